#!/usr/bin/python3
"""Writes the core's reference fixtures with real PyTorch and NumPy (Debian python3-torch 1.13, numpy 1.24):

  test/fixtures/broadcast-table.json        torch.broadcast_shapes table, op/loss forward values, nn.Linear init
  test/fixtures/numpy-randn-seed0-40000.json np.random.seed(0); randn(40000) as base64 float64 LE, permutations

Run with /usr/bin/python3 (the pyenv python3 first on PATH has no torch):
  /usr/bin/python3 scripts/make-fixtures.py
Nothing here draws from an unseeded generator, so a rerun gives the same files.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
FIX = os.path.join(ROOT, 'test', 'fixtures')


# ---------------------------------------------------------------------------------------------------------
# Broadcast table
# ---------------------------------------------------------------------------------------------------------

HAND_PAIRS = [
    ([100, 1], [100]), ([8, 1], [8]), ([100], [100, 1]), ([4, 1], [3]), ([2, 3, 1], [1, 4]), ([], []),
    ([], [3]), ([5, 4], []), ([1], []), ([1], [1]), ([3], [3]), ([3], [4]), ([4], [3, 1]), ([2, 1], [8, 4, 3]),
    ([8, 4, 3], [2, 1]), ([5, 1, 3], [4, 1]), ([1, 1, 1], [2, 3]), ([2, 3], [3, 2]), ([6, 1], [1, 6]),
    ([1, 6], [6, 1]), ([0], [1]), ([0], [3]), ([1, 0], [5, 1]), ([0, 3], [0, 1]), ([2, 0], [2]),
    ([7, 1, 5], [7, 5]), ([3, 1, 1], [1, 4, 1]), ([1, 2, 1, 3], [5, 1, 4, 1]), ([2, 2], [2, 2, 2]),
    ([2, 3], [4, 2, 3]), ([2, 3], [4, 3, 2]), ([10], [10, 10]), ([10, 1], [1, 10]), ([3, 4, 5], [4, 1]),
    ([3, 4, 5], [3, 1]), ([1, 1], [1]), ([2, 1], [1, 2, 1]), ([9, 1, 1, 1], [1, 8]), ([100, 2], [2]),
    ([100, 2], [100]), ([100, 1], [100, 1]), ([1, 100], [100]), ([5, 3], [5, 1, 3]), ([4, 1, 2], [3, 1]),
]
NEGATIVE_PAIRS = [([-1], [3]), ([1], [-1]), ([2, -2], [2, 1])]
TRIPLES = [([2, 1, 3], [4, 1], [3]), ([5, 1], [1, 6], []), ([3], [4], [1]), ([6, 1], [6], [6, 1])]


def broadcast_entry(shapes):
    """torch.broadcast_shapes and the same shapes through a real elementwise op must agree."""
    entry = {'shapes': shapes}
    try:
        res = list(torch.broadcast_shapes(*[tuple(s) for s in shapes]))
        entry['result'] = res
    except RuntimeError as e:
        entry['error'] = str(e)
    if all(d >= 0 for s in shapes for d in s):
        try:
            out = torch.zeros(shapes[0])
            for s in shapes[1:]:
                out = out + torch.zeros(s)
            op = list(out.shape)
        except RuntimeError:
            op = None
        assert op == entry.get('result'), (shapes, op, entry)
    return entry


def broadcast_table():
    rng = np.random.RandomState(1234)
    pairs = [list(p) for p in HAND_PAIRS]
    # Random pairs: half made compatible on purpose (dims set to 1 or dropped), half drawn freely.
    while len(pairs) < 90:
        rank = int(rng.randint(0, 5))
        a = [int(rng.randint(1, 5)) for _ in range(rank)]
        if rng.rand() < 0.5:
            b = [1 if rng.rand() < 0.4 else d for d in a][int(rng.randint(0, rank + 1)):]
        else:
            b = [int(rng.randint(1, 4)) for _ in range(int(rng.randint(0, 4)))]
        pairs.append([a, b] if rng.rand() < 0.5 else [b, a])
    return [broadcast_entry(p) for p in pairs + [list(p) for p in NEGATIVE_PAIRS] + [list(t) for t in TRIPLES]]


# ---------------------------------------------------------------------------------------------------------
# Op and loss forward values
# ---------------------------------------------------------------------------------------------------------

def op_inputs():
    rng = np.random.RandomState(7)
    raw = {
        'x': rng.randn(5, 3) * 1.5,
        'pos': np.abs(rng.randn(5, 3)) + 0.25,
        'a': rng.randn(3, 2),
        'v3': rng.randn(3),
        'w2': rng.randn(2, 3) * 0.5,
        'b2': rng.randn(2),
        'b1': rng.randn(1),
        'pred_col': rng.randn(6, 1) * 1.2,
        'pred': rng.randn(6) * 1.2,
        'target': rng.randn(6),
        'var_col': np.abs(rng.randn(6, 1)) + 0.1,
        'var_vec': np.abs(rng.randn(6)) + 0.1,
        'big': rng.randn(6, 4) * 3.0,
        'row4': rng.randn(4),
    }
    return raw


def op_cases():
    """(id, fn, arg names, kwargs, torch callable). The TS test maps `fn` to the core's function."""
    c = []
    for name, f in [('exp', torch.exp), ('tanh', torch.tanh), ('sigmoid', torch.sigmoid), ('neg', torch.neg),
                    ('abs', torch.abs), ('relu', torch.relu)]:
        c.append((name, name, ['x'], {}, f))
    c.append(('log', 'log', ['pos'], {}, torch.log))
    for p in [2, 3, 0.5, -1.5]:
        base = 'x' if p in (2, 3) else 'pos'
        c.append((f'pow_{p}', 'pow', [base], {'exponent': p}, lambda t, p=p: t ** p))
    for op, f in [('add', torch.add), ('sub', torch.sub), ('mul', torch.mul), ('div', torch.div)]:
        c.append((f'{op}_bcast', op, ['big', 'row4'], {}, f))
        c.append((f'{op}_col_vs_vec', op, ['pred_col', 'target'], {}, f))
    c.append(('sum_all', 'sum', ['big'], {}, lambda t: t.sum()))
    c.append(('mean_all', 'mean', ['big'], {}, lambda t: t.mean()))
    for dim in [0, 1, -1]:
        for keep in [False, True]:
            c.append((f'mean_dim{dim}_keep{int(keep)}', 'mean', ['big'], {'dim': dim, 'keepdim': keep},
                      lambda t, d=dim, k=keep: t.mean(dim=d, keepdim=k)))
            c.append((f'sum_dim{dim}_keep{int(keep)}', 'sum', ['big'], {'dim': dim, 'keepdim': keep},
                      lambda t, d=dim, k=keep: t.sum(dim=d, keepdim=k)))
    c.append(('matmul_2d_2d', 'matmul', ['x', 'a'], {}, torch.matmul))
    c.append(('matmul_2d_1d', 'matmul', ['x', 'v3'], {}, torch.matmul))
    c.append(('matmul_1d_2d', 'matmul', ['v3', 'a'], {}, torch.matmul))
    c.append(('matmul_1d_1d', 'matmul', ['v3', 'v3'], {}, torch.matmul))
    c.append(('linear_w1d', 'linear', ['x', 'v3'], {}, F.linear))
    # PyTorch rejects a 1-D weight with a bias (addmm wants a matrix): the core must throw too.
    c.append(('linear_w1d_b1', 'linear', ['x', 'v3', 'b1'], {}, F.linear))
    c.append(('linear_x1d_w1d_b1', 'linear', ['v3', 'v3', 'b1'], {}, F.linear))
    c.append(('matmul_mismatch', 'matmul', ['x', 'w2'], {}, torch.matmul))
    c.append(('add_mismatch', 'add', ['x', 'row4'], {}, torch.add))
    c.append(('linear_w2d', 'linear', ['x', 'w2'], {}, F.linear))
    c.append(('linear_w2d_b', 'linear', ['x', 'w2', 'b2'], {}, F.linear))
    c.append(('linear_x1d_w2d_b', 'linear', ['v3', 'w2', 'b2'], {}, F.linear))
    for red in ['mean', 'sum', 'none']:
        for pa, ta in [('pred_col', 'target'), ('pred', 'target')]:
            tag = f'{pa}_{red}'
            c.append((f'mse_{tag}', 'mse', [pa, ta], {'reduction': red}, lambda i, t, r=red: F.mse_loss(i, t, reduction=r)))
            c.append((f'l1_{tag}', 'l1', [pa, ta], {'reduction': red}, lambda i, t, r=red: F.l1_loss(i, t, reduction=r)))
            for d in [1.0, 0.5]:
                c.append((f'huber{d}_{tag}', 'huber', [pa, ta], {'reduction': red, 'delta': d},
                          lambda i, t, r=red, d=d: F.huber_loss(i, t, reduction=r, delta=d)))
                c.append((f'smooth_l1_{d}_{tag}', 'smooth_l1', [pa, ta], {'reduction': red, 'beta': d},
                          lambda i, t, r=red, d=d: F.smooth_l1_loss(i, t, reduction=r, beta=d)))
        for va in ['var_col', 'var_vec']:
            for full in [False, True]:
                c.append((f'gaussian_nll_{va}_full{int(full)}_{red}', 'gaussian_nll', ['pred_col', 'target', va],
                          {'reduction': red, 'full': full},
                          lambda i, t, v, r=red, f=full: F.gaussian_nll_loss(i, t, v, full=f, reduction=r)))
    c.append(('handwritten_mse_col', 'handwritten_mse', ['pred_col', 'target'], {}, lambda i, t: ((i - t) ** 2).mean()))
    return c


def ops_fixture():
    import warnings
    warnings.simplefilter('ignore')  # the [N,1] vs [N] losses warn, which is the point
    raw = op_inputs()
    out = {'inputs': {}, 'cases': []}
    for dtype, tdt in [('float32', torch.float32), ('float64', torch.float64)]:
        ts = {k: torch.tensor(v, dtype=tdt) for k, v in raw.items()}
        out['inputs'][dtype] = {k: {'shape': list(t.shape), 'data': [float(x) for x in t.reshape(-1).tolist()]} for k, t in ts.items()}
        for cid, fn, args, kwargs, f in op_cases():
            case = {'id': cid, 'fn': fn, 'args': args, 'kwargs': kwargs, 'dtype': dtype}
            try:
                r = f(*[ts[a] for a in args])
            except RuntimeError as e:
                out['cases'].append({**case, 'error': str(e)})
                continue
            assert r.dtype == tdt, (cid, r.dtype)
            out['cases'].append({**case, 'shape': list(r.shape), 'values': [float(x) for x in r.reshape(-1).tolist()]})
    return out


def linear_init():
    res = []
    for seed, dtype in [(0, torch.float32), (1, torch.float32), (42, torch.float32), (0, torch.float64), (42, torch.float64)]:
        torch.manual_seed(seed)
        lin = torch.nn.Linear(3, 4, dtype=dtype)
        res.append({'seed': seed, 'dtype': str(dtype).replace('torch.', ''), 'in': 3, 'out': 4,
                    'weight': lin.weight.detach().reshape(-1).tolist(), 'bias': lin.bias.detach().tolist()})
    # Two layers from one seed: the second layer's draws continue the generator.
    torch.manual_seed(3)
    l1 = torch.nn.Linear(2, 3)
    l2 = torch.nn.Linear(3, 1, bias=False)
    res.append({'seed': 3, 'dtype': 'float32', 'sequence': [
        {'in': 2, 'out': 3, 'weight': l1.weight.detach().reshape(-1).tolist(), 'bias': l1.bias.detach().tolist()},
        {'in': 3, 'out': 1, 'weight': l2.weight.detach().reshape(-1).tolist(), 'bias': None}]})
    return res


# ---------------------------------------------------------------------------------------------------------
# NumPy legacy generator
# ---------------------------------------------------------------------------------------------------------

def b64(arr):
    return base64.b64encode(np.asarray(arr, dtype='<f8').tobytes()).decode('ascii')


def libm_fixture():
    """glibc's log (what NumPy's gauss calls) and fma on this machine, for testing the port in isolation."""
    import ctypes
    import math
    libm = ctypes.CDLL('libm.so.6')
    libm.fma.restype = ctypes.c_double
    libm.fma.argtypes = [ctypes.c_double] * 3
    rng = np.random.RandomState(99)
    xs = list(rng.random_sample(1500)) + list(1 + (rng.random_sample(500) - 0.5) * 0.15)
    xs += list(np.exp(rng.uniform(-700, 700, 300))) + [5e-324, 1e-310, 2.2250738585072014e-308, 1.0, 0.9375, 1.064697265625,
                                                       np.nextafter(1.064697265625, 0), 1.7976931348623157e308]
    # The r² NumPy logged for seed 0 where glibc is not correctly rounded (found when the port first missed them).
    xs += [float.fromhex(h) for h in ['0x1.cbf81fd17b1a6p-1', '0x1.d95a989a7fac6p-1', '0x1.37e4d4bae9833p-1', '0x1.33eb5f406c059p-2']]
    logs = [math.log(x) for x in xs]
    a = list(rng.randn(600) * 10.0 ** rng.randint(-5, 6, 600))
    b = list(rng.randn(600))
    c = list(rng.randn(600))
    # Cancellation and near-ties: c ≈ −a·b, and (1 + i·2^-26)(1 + j·2^-26) whose exact product sits on a half-ulp.
    for i in range(200):
        c[i] = -(a[i] * b[i]) * (1 + (i % 7 - 3) * 2.0 ** -52)
    for i in range(200, 400):
        a[i] = 1 + int(rng.randint(1, 2 ** 26)) * 2.0 ** -26
        b[i] = 1 + int(rng.randint(1, 2 ** 26)) * 2.0 ** -26
        c[i] = [-1.0, 2.0 ** -60, -(2.0 ** -80), 0.5][i % 4]
    fmas = [libm.fma(x, y, z) for x, y, z in zip(a, b, c)]
    return {'glibc_log_x_y': b64(list(zip(xs, logs))), 'fma_a_b_c_r': b64(list(zip(a, b, c, fmas)))}


def numpy_fixture():
    np.random.seed(0)
    randn = np.random.randn(40000).astype('<f8')
    np.random.seed(0)
    perm10 = np.random.permutation(10).tolist()
    np.random.seed(5)
    arr = np.arange(1000)
    np.random.shuffle(arr)
    # The seed-script order: randn of an odd count (one normal cached), then a permutation from the same state.
    np.random.seed(0)
    np.random.randn(7)
    perm_after_randn = np.random.permutation(33).tolist()
    return {
        'numpy_version': np.__version__,
        **libm_fixture(),
        'randn_seed0_40000_f64le_base64': base64.b64encode(randn.tobytes()).decode('ascii'),
        'randn_seed0_first3': [repr(float(x)) for x in randn[:3]],
        'permutation_seed0_10': perm10,
        'shuffle_seed5_arange1000': arr.tolist(),
        'seed0_randn7_then_permutation33': perm_after_randn,
    }


def main():
    torch.set_num_threads(1)
    bt = {
        'generator': 'scripts/make-fixtures.py',
        'torch_version': torch.__version__,
        'numpy_version': np.__version__,
        'broadcast': broadcast_table(),
        'ops': ops_fixture(),
        'linear_init': linear_init(),
    }
    with open(os.path.join(FIX, 'broadcast-table.json'), 'w') as f:
        json.dump(bt, f, separators=(',', ':'))
        f.write('\n')
    with open(os.path.join(FIX, 'numpy-randn-seed0-40000.json'), 'w') as f:
        json.dump(numpy_fixture(), f, indent=1)
        f.write('\n')
    print(f"wrote {len(bt['broadcast'])} broadcast entries, {len(bt['ops']['cases'])} op cases, "
          f"{len(bt['linear_init'])} linear inits", file=sys.stderr)


if __name__ == '__main__':
    main()
