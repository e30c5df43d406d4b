"""optimizer.step() is the step boundary: wrap every optimizer class's step and every zero_grad."""
import contextlib
import functools
import sys
import weakref

from .batch_stats import batch_stats
from .param_values import param_capture, snapshot
from .step_queue import Pending

_MARK = "_gd_trace_wrapped"
NAN = float("nan")
EMPTY = {}


def install(torch, tracer, interceptor):
    no_torch_function = getattr(torch._C, "DisableTorchFunction", None) or contextlib.nullcontext
    Optimizer = torch.optim.Optimizer
    opt_memory = {}  # id(optimizer) -> (zero_count, [weakref to each grad]) after its last step

    def wrap_step(orig):
        @functools.wraps(orig)
        def step(self, *args, **kwargs):
            if tracer.in_step:
                return orig(self, *args, **kwargs)
            return on_step(self, orig, args, kwargs, sys._getframe(1))

        setattr(step, _MARK, True)
        return step

    def wrap_zero(orig):
        @functools.wraps(orig)
        def zero_grad(self, *args, **kwargs):
            tracer.zero_count += 1
            if tracer.suspended:
                return orig(self, *args, **kwargs)
            # interceptor.suspend()/resume(), inlined: this runs every step
            tracer.suspended = True
            interceptor.off()
            try:
                return orig(self, *args, **kwargs)
            finally:
                interceptor.on()
                tracer.suspended = False

        setattr(zero_grad, _MARK, True)
        return zero_grad

    def hook_class(cls):
        for c in cls.__mro__:
            if c is Optimizer or c is object:
                break
            for attr, wrap in (("step", wrap_step), ("zero_grad", wrap_zero)):
                fn = c.__dict__.get(attr)
                if fn is not None and callable(fn) and not getattr(fn, _MARK, False):
                    setattr(c, attr, wrap(fn))

    orig_init = Optimizer.__init__

    @functools.wraps(orig_init)
    def init(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        try:
            hook_class(type(self))
        except Exception as e:
            tracer.internal_error(e)

    Optimizer.__init__ = init
    Optimizer.zero_grad = wrap_zero(Optimizer.zero_grad)
    torch.nn.Module.zero_grad = wrap_zero(torch.nn.Module.zero_grad)

    def on_step(opt, orig, args, kwargs, frame):
        n = tracer.step + 1
        if id(opt) not in opt_memory:
            args_ = {k: v for k, v in getattr(opt, "defaults", {}).items()
                     if isinstance(v, (int, float, bool)) and not (isinstance(v, float) and v != v)}
            tracer.ch.send({"t": "optimizer", "type": type(opt).__name__, "args": args_})
            opt_memory[id(opt)] = None
        rec = tracer.recording
        params = []
        for g in opt.param_groups:
            params.extend(g["params"])
        mem = opt_memory.get(id(opt))
        if mem and mem[0] == tracer.zero_count:  # no zero_grad since this optimizer's last step
            try:
                check_accumulation(opt, params, frame, n, mem[1])
            except Exception as e:
                tracer.internal_error(e)
        tracer.in_step = True
        # interceptor.suspend(), inlined
        token = not tracer.suspended
        if token:
            tracer.suspended = True
            interceptor.off()
        try:
            if rec:
                # Our bookkeeping skips __torch_function__ entirely: on an nn.Parameter every attribute and
                # method otherwise detours through Python (about 5 us each).
                with no_torch_function():
                    before = []
                    for p in params:
                        before.append(snapshot(p))
            else:
                before = None
            out = orig(opt, *args, **kwargs)
            try:
                with no_torch_function():
                    finish_step(opt, params, before, n, frame)
            except Exception as e:
                tracer.internal_error(e)
        finally:
            tracer.in_step = False
            if token:
                interceptor.on()
                tracer.suspended = False
        return out

    def check_accumulation(opt, params, frame, n, refs):
        """A step with no zero_grad since the last one: the same grad objects mean accumulated gradients."""
        grads = [p.grad for p in params]
        if any(g is not None for g in grads) and all(
                (g is None and r is None) or (r is not None and r() is g) for g, r in zip(grads, refs)):
            loc = tracer.backward_loc
            step_loc = tracer.location(frame)
            ev = {"previousStep": n - 1, "step": n}
            fix = {"description": "call `optimizer.zero_grad()` before `loss.backward()` in every step",
                   "specFix": "enable-zero-grad"}
            if step_loc:
                ev["stepLine"] = step_loc["line"]
            if loc and step_loc:
                src = tracer.sources.get(step_loc["file"])
                opt_text = src.receiver_of(step_loc["line"], "step") or "optimizer"
                fix["description"] = f"call `{opt_text}.zero_grad()` before `backward()` in every step"
                if loc["file"] == step_loc["file"]:
                    edit = src.insert_before_edit(loc["line"], f"{opt_text}.zero_grad()")
                    if edit:
                        ev.update(edit)
            msg = (f"optimizer.step() ran at step {n - 1} and again at step {n} with no zero_grad() between: "
                   "backward() adds into .grad, so every update uses the sum of all gradients so far.")
            tracer.diagnose("grad-accumulation", "error", msg, ev, loc or step_loc, fix, step=n)

    def finish_step(opt, params, before, n, frame):
        refs = []
        for p in params:
            g = p.grad
            refs.append(None if g is None else weakref.ref(g))
        opt_memory[id(opt)] = (tracer.zero_count, refs)
        lt = tracer.backward_tensor
        if lt is None:
            lt = tracer.loss_out
        loss = NAN
        if lt is not None:
            loss = float(lt) if lt.numel() == 1 else float(lt.detach().double().mean())
        tracer.step = n
        if before is not None:
            names = tracer.names
            known = names.params
            for p in params:
                if id(p) not in known:
                    names.refresh()
                    break
            caps = []
            state = opt.state
            for i, p in enumerate(params):
                caps.append((names.param_name(p, i), param_capture(torch, p, before[i], state.get(p, EMPTY))))
            lr = opt.param_groups[0].get("lr") if opt.param_groups else None
            io = tracer.loss_io
            stats = batch_stats(torch, io[0], io[1]) if io is not None else None
            ops = tracer.take_ops()
            same_as = None
            if ops and ops == tracer.prev_ops:
                # The same forward pass as last recorded step: say so instead of sending it again.
                ops, same_as = [], tracer.prev_ops_step
            elif ops:
                tracer.prev_ops, tracer.prev_ops_step = ops, n
            tracer.queue.add(Pending(n, loss, caps, ops, same_as, float(lr) if lr is not None else None, stats))
        else:
            tracer.take_ops()
            tracer.queue.flush()  # the series diagnoses see steps in order
            tracer.progress(n)
            tracer.series.on_step(n, loss, None)
        tracer.begin_next_step()
