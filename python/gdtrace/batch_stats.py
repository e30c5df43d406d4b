"""predMean, predStd, targetMean, targetVar of the loss's input and target, for every recorded step."""
import math


def batch_stats(torch, a, b):
    """The four statistics, or None when they do not apply. Measured on the seed, batching these reductions
    across steps (one copy per step, one stack and two var_means per batch) cost as much as doing them here."""
    if a.numel() == 0 or b.numel() == 0:
        return None
    try:
        # The prediction usually requires grad (detached: no graph); the target seldom does.
        va, ma = torch.var_mean(a.detach(), unbiased=False)
        vb, mb = torch.var_mean(b, unbiased=False)
        return float(ma), math.sqrt(max(float(va), 0.0)), float(mb), float(vb)
    except (RuntimeError, TypeError, ValueError):  # class labels, complex values, a dtype without var_mean
        return None
