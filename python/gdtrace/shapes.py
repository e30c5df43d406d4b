"""Shape helpers, in pure Python so they never dispatch back into torch."""


def fmt(shape):
    return "[" + ",".join(str(d) for d in shape) + "]"


def broadcast(*shapes):
    """PyTorch's broadcast of `shapes`, or None when they do not broadcast."""
    n = max(len(s) for s in shapes)
    out = []
    for d in range(n):
        size = 1
        for s in shapes:
            k = d - (n - len(s))
            v = s[k] if k >= 0 else 1
            if v != 1:
                if size != 1 and size != v:
                    return None
                size = v
        out.append(size)
    return out


def expanded_dims(shape, out):
    """Dims of `out` along which `shape` was expanded (size 1 there, or missing on the left)."""
    lead = len(out) - len(shape)
    dims = []
    for d in range(len(out)):
        size = 1 if d < lead else shape[d - lead]
        if size == 1 and out[d] != 1:
            dims.append(d)
    return dims


def broadcast_info(shapes, out):
    exp = [expanded_dims(s, out) for s in shapes]
    if any(exp):
        return {"shape": list(out), "expanded": exp}
    return None


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n
