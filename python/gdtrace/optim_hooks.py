"""optimizer.step() is the step boundary: wrap every optimizer class's step and every zero_grad."""
import contextlib
import functools
import math
import sys
import weakref

THIN = 64      # tensors larger than this are thinned in step records
SAMPLE = 32    # entries kept of a thinned tensor (the first ones: the weights chart draws the first 8)
_MARK = "_gd_trace_wrapped"


def _l2(vals):
    return math.sqrt(sum([v * v for v in vals]))


def _flat(t):
    """A small tensor's values as one flat list of Python numbers, in one conversion (no reshape op)."""
    d = t.dim()
    if d == 1:
        return t.tolist()
    if d == 2:
        return [x for row in t.tolist() for x in row]
    if d == 0:
        return [t.item()]
    return t.reshape(-1).tolist()


def snapshot(p):
    """The value of `p` before the optimizer moves it: a list for a small tensor (it becomes the record's
    update), a copy for a large one."""
    if p.numel() <= THIN:
        return _flat(p)
    return p.detach().clone()


def param_record(torch, p, before, state):
    Tensor = torch.Tensor
    g = p.grad
    n = p.numel()
    if n <= THIN:
        value = _flat(p)
        update = [a - c for a, c in zip(value, before)]
        grad = _flat(g) if g is not None else None
        rec = {"shape": list(p.shape), "value": value, "grad": grad, "state": None, "update": update,
               "norm": _l2(value), "gradNorm": _l2(grad) if grad is not None else 0.0, "updateNorm": _l2(update)}
        if value:
            rec["min"] = min(value)
            rec["max"] = max(value)
    else:
        # Thinned: exact norms and extremes, a sample of the values.
        f = p.detach().reshape(-1)
        diff = f - before.reshape(-1)
        norms = torch.stack([torch.linalg.vector_norm(f), torch.linalg.vector_norm(diff), f.min(), f.max()]).tolist()
        grad = None
        gnorm = 0.0
        if g is not None:
            gf = g.detach().reshape(-1)
            grad = gf[:SAMPLE].tolist()
            gnorm = float(torch.linalg.vector_norm(gf))
        rec = {"shape": list(p.shape), "value": f[:SAMPLE].tolist(), "grad": grad, "state": None,
               "update": diff[:SAMPLE].tolist(), "norm": norms[0], "gradNorm": gnorm, "updateNorm": norms[1],
               "min": norms[2], "max": norms[3], "thinned": True}
    st = {}
    for k, v in state.items():
        if isinstance(v, Tensor):
            if v.dim() == 0:
                st[k] = v.item()
            elif v.is_floating_point():
                st[k] = v.reshape(-1)[:SAMPLE].tolist() if v.numel() > THIN else _flat(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            st[k] = v
    rec["state"] = st
    return rec


def batch_stats(torch, a, b):
    """predMean, predStd, targetMean, targetVar of the loss's input `a` and target `b`, or None."""
    if not (a.is_floating_point() and b.is_floating_point() and a.numel() > 0 and b.numel() > 0):
        return None
    # detach only what needs it: var_mean on a tensor that requires grad would build a graph
    va, ma = torch.var_mean(a.detach() if a.requires_grad else a, unbiased=False)
    vb, mb = torch.var_mean(b.detach() if b.requires_grad else b, unbiased=False)
    return float(ma), math.sqrt(max(float(va), 0.0)), float(mb), float(vb)


def install(torch, tracer, interceptor):
    suspend, resume = interceptor.suspend, interceptor.resume
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
            token = suspend()
            try:
                return orig(self, *args, **kwargs)
            finally:
                resume(token)

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
        params = [p for g in opt.param_groups for p in g["params"]]
        try:
            check_accumulation(opt, params, frame, n)
        except Exception as e:
            tracer.internal_error(e)
        tracer.in_step = True
        token = suspend()
        try:
            if rec:
                # Our bookkeeping skips __torch_function__ entirely: on an nn.Parameter every attribute and
                # method otherwise detours through Python (about 5 us each).
                with no_torch_function():
                    before = [snapshot(p) for p in params]
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
            resume(token)
        return out

    def check_accumulation(opt, params, frame, n):
        mem = opt_memory.get(id(opt))
        if mem and mem[0] == tracer.zero_count:
            refs = mem[1]
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
        opt_memory[id(opt)] = (tracer.zero_count,
                               [weakref.ref(p.grad) if p.grad is not None else None for p in params])
        lt = tracer.backward_tensor if tracer.backward_tensor is not None else tracer.loss_out
        loss = float("nan")
        if lt is not None:
            loss = float(lt) if lt.numel() == 1 else float(lt.detach().double().mean())
        tracer.step = n
        record = None
        if before is not None:
            names = tracer.names
            if any(id(p) not in names.params for p in params):
                names.refresh()
            prm = {}
            for i, p in enumerate(params):
                prm[names.param_name(p, i)] = param_record(torch, p, before[i], opt.state.get(p, {}))
            record = {"step": n, "epoch": 0, "batch": n - 1, "loss": loss, "params": prm, "ops": tracer.take_ops()}
            lr = opt.param_groups[0].get("lr") if opt.param_groups else None
            if lr is not None:
                record["lr"] = float(lr)
            io = tracer.loss_io
            if io is not None:
                stats = batch_stats(torch, io[0], io[1])
                if stats is not None:
                    record["predMean"], record["predStd"], record["targetMean"], record["targetVar"] = stats
            ops = record["ops"]
            if ops and ops == tracer.prev_ops:
                # The same forward pass as last recorded step: say so instead of sending it again.
                record["ops"] = []
                record["opsSameAs"] = tracer.prev_ops_step
            elif ops:
                tracer.prev_ops, tracer.prev_ops_step = ops, n
            tracer.ch.send({"t": "step", "record": record})
        else:
            tracer.take_ops()
            tracer.progress(n)
        tracer.series.on_step(n, loss, record)
        tracer.begin_next_step()
