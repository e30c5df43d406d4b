"""The trace channel: JSON lines on a file descriptor of their own, never mixed with the script's prints."""
import json
import math
import os
import time


def _sanitize(v):
    # JSON has no NaN/Infinity; the reader turns these strings back into numbers.
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, dict):
        return {k: _sanitize(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_sanitize(x) for x in v]
    return v


_encode_strict = json.JSONEncoder(separators=(",", ":"), allow_nan=False, check_circular=False).encode


def _fast_encoder():
    """json's C encoder made once and reused (JSONEncoder.encode builds one per call), without the circular
    check (a record is a tree) and refusing NaN/Infinity, which are rare and take the slow path."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _encode_strict
    try:
        enc = make(None, None, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, False)
        if "".join(enc({"a": [1, 2.5, "x"]}, 0)) != '{"a":[1,2.5,"x"]}':
            return _encode_strict
    except Exception:
        return _encode_strict
    join = "".join
    return lambda obj: join(enc(obj, 0))


_encode = _fast_encoder()


class Channel:
    def __init__(self, fd=None, path=None):
        self._f = None
        if fd is not None:
            os.set_inheritable(fd, False)  # exec'd children of the script must not write into the trace
            self._f = os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 16)
        elif path:
            self._f = open(path, "w", encoding="utf-8", buffering=1 << 16)
        self._last_flush = time.monotonic()
        self._pid = os.getpid()
        self._pending = []
        self._pending_chars = 0
        self._orphan = None
        # A forked DataLoader worker stays silent (a hook, not a getpid() per message).
        if self._f is not None:
            os.register_at_fork(after_in_child=self._forked)

    def _forked(self):
        # Kept referenced: were the file object freed here, its close would flush the parent's buffer again.
        self._orphan = self._f
        self._f = None
        self._pending = []

    def send(self, obj):
        f = self._f
        if f is None:
            return
        try:
            s = _encode(obj)
        except ValueError:  # NaN or Infinity somewhere
            s = _encode_strict(_sanitize(obj))
        # Lines gather in a list and reach the file in one write every 0.1 s: the panel still streams live,
        # and a step costs a list append instead of a trip through the text layer.
        pending = self._pending
        pending.append(s)
        self._pending_chars += len(s)
        if self._pending_chars > 1 << 16 or time.monotonic() - self._last_flush > 0.1:
            self.flush()

    def flush(self):
        f = self._f
        if f is None or os.getpid() != self._pid:
            return
        pending = self._pending
        self._pending = []
        self._pending_chars = 0
        self._last_flush = time.monotonic()
        try:
            if pending:
                pending.append("")
                f.write("\n".join(pending))
            f.flush()
        except (BrokenPipeError, OSError, ValueError):
            self._f = None  # the reader went away: keep the script running, stop tracing output

    def close(self):
        self.flush()
        if self._f is not None and os.getpid() == self._pid:
            try:
                self._f.close()
            except OSError:
                pass
        self._f = None
