"""A parameter's part of a step record. The values are read from the live tensors at the step (they change on
the next one); the record itself (update, norms, extremes) is built later, with other steps, in Python."""
import math
from operator import mul, sub

THIN = 64      # tensors larger than this are thinned in step records
SAMPLE = 32    # entries kept of a thinned tensor (the first ones: the weights chart draws the first 8)


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _flat(t, dim):
    """A small tensor's values as one flat list of Python numbers, in one conversion (no reshape op).
    `dim` is passed in: the callers have the shape already, and every call into torch counts here."""
    if dim == 1:
        return t.tolist()
    if dim == 2:
        return [x for row in t.tolist() for x in row]
    if dim == 0:
        return [t.item()]
    return t.reshape(-1).tolist()


def snapshot(p):
    """The value of `p` before the optimizer moves it: a list for a small tensor (it becomes the record's
    update), a copy for a large one."""
    shape = p.shape
    if _numel(shape) <= THIN:
        return _flat(p, len(shape))
    return p.detach().clone()


def _state(Tensor, state):
    st = {}
    for k, v in state.items():
        if isinstance(v, Tensor):
            shape = v.shape
            if not shape:
                st[k] = v.item()
            elif v.is_floating_point():
                st[k] = v.reshape(-1)[:SAMPLE].tolist() if _numel(shape) > THIN else _flat(v, len(shape))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            st[k] = v
    return st


def param_capture(torch, p, before, state):
    """What the record of `p` needs, as Python values now: a tuple for a small tensor (param_record_from
    finishes it), the finished record of a thinned one (its norms and extremes are torch reductions)."""
    g = p.grad
    shape = p.shape
    if _numel(shape) <= THIN:
        d = len(shape)  # a grad has its parameter's shape
        return (list(shape), _flat(p, d), before, _flat(g, d) if g is not None else None, _state(torch.Tensor, state))
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
    return {"shape": list(p.shape), "value": f[:SAMPLE].tolist(), "grad": grad, "state": _state(torch.Tensor, state),
            "update": diff[:SAMPLE].tolist(), "norm": norms[0], "gradNorm": gnorm, "updateNorm": norms[1],
            "min": norms[2], "max": norms[3], "thinned": True}


def param_record_from(cap):
    if isinstance(cap, dict):
        return cap
    shape, value, before, grad, st = cap
    update = list(map(sub, value, before))
    rec = {"shape": shape, "value": value, "grad": grad, "state": st, "update": update,
           "norm": math.sqrt(sum(map(mul, value, value))),
           "gradNorm": math.sqrt(sum(map(mul, grad, grad))) if grad is not None else 0.0,
           "updateNorm": math.sqrt(sum(map(mul, update, update)))}
    if value:
        rec["min"] = min(value)
        rec["max"] = max(value)
    return rec


def param_record(torch, p, before, state):
    return param_record_from(param_capture(torch, p, before, state))
