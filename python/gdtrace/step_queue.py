"""Recorded steps waiting to be written: their values are read at the step, their records are built, written
and diagnosed in batches of up to MAX steps or 0.1 s, whichever comes first.

One step at a time, between the model's own work, the JSON encoding and the series diagnoses ran with cold
caches and cost about half as much again as back to back. The panel still streams live: the channel itself
writes every 0.1 s, and the end of the run flushes the queue before its last message.
"""
import time

from .param_values import param_record_from


class Pending:
    __slots__ = ("n", "loss", "params", "ops", "same_as", "lr", "stats")

    def __init__(self, n, loss, params, ops, same_as, lr, stats):
        self.n = n
        self.loss = loss
        self.params = params  # [(name, capture)]
        self.ops = ops
        self.same_as = same_as
        self.lr = lr
        self.stats = stats  # (predMean, predStd, targetMean, targetVar) or None


class StepQueue:
    MAX = 32
    WAIT = 0.1  # seconds

    def __init__(self, tracer):
        self.tracer = tracer
        self.items = []
        self._since = 0.0

    def add(self, item):
        items = self.items
        items.append(item)
        if len(items) == 1:
            self._since = time.monotonic()
        elif len(items) >= self.MAX or time.monotonic() - self._since > self.WAIT:
            self.flush()

    def flush(self):
        """Builds, sends and diagnoses every queued step, in step order."""
        items = self.items
        if not items:
            return
        self.items = []
        tr = self.tracer
        send = tr.ch.send
        series = tr.series
        for it in items:
            try:
                record = {"step": it.n, "epoch": 0, "batch": it.n - 1, "loss": it.loss,
                          "params": {name: param_record_from(cap) for name, cap in it.params}, "ops": it.ops}
                if it.lr is not None:
                    record["lr"] = it.lr
                s = it.stats
                if s is not None:
                    record["predMean"], record["predStd"], record["targetMean"], record["targetVar"] = s
                if it.same_as is not None:
                    record["opsSameAs"] = it.same_as
                send({"t": "step", "record": record})
            except Exception as e:
                tr.internal_error(e)
                record = None
            try:
                series.on_step(it.n, it.loss, record)
            except Exception as e:
                tr.internal_error(e)
