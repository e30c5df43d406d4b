"""Runs the seed recipe in real PyTorch and writes test/fixtures/seed-recipe-golden.json.

The recipe (the classic report): np.random.seed(0); torch.manual_seed(0); data = randn(N, 3); features x100;
y = X @ [5, 3] + randn(N); nn.Linear(2, 1, bias=False); MSELoss; RMSprop(lr=0.01); batch 100; 30 epochs.
Variants: 'broadcast' (the bug: [N,1] prediction vs [N] target) and 'fixed' (prediction squeezed).
Run with Debian's python3-torch: /usr/bin/python3 scripts/make-seed-golden.py
"""
import json, sys, os
import numpy as np
import torch

from seed_recipe import BATCH, N as N_ROWS, seed_setup


def run(variant, epochs=30, keep=(1, 2, 3, 10, 100, 1000, 3000)):
    X, y, model, opt, crit = seed_setup()
    N, bs = N_ROWS, BATCH
    w0 = model.weight.detach().clone().tolist()
    losses, rec = [], {}
    step = 0
    import warnings
    warnings.simplefilter('ignore')
    for epoch in range(epochs):
        b = 0
        while b * bs < N:
            xb, yb = X[b * bs:(b + 1) * bs], y[b * bs:(b + 1) * bs]
            pred = model(xb)
            if variant == 'fixed':
                pred = pred.squeeze()
            loss = crit(pred, yb)
            opt.zero_grad()
            loss.backward()
            g = model.weight.grad.detach().clone().tolist()
            opt.step()
            step += 1
            losses.append(loss.item())
            if step in keep:
                rec[str(step)] = {'loss': loss.item(), 'grad': g, 'weight': model.weight.detach().clone().tolist(),
                                  'square_avg': opt.state[model.weight]['square_avg'].tolist()}
            b += 1
    return {'w0': w0, 'first_losses': losses[:10], 'steps': rec, 'final_weight': model.weight.detach().tolist(),
            'mean_loss_last_1000': float(np.mean(losses[-1000:])), 'y_var': float(y.double().var(unbiased=False)),
            'x_first_rows': X[:3].tolist(), 'y_first': y[:3].tolist(), 'x_sum': float(X.double().sum()), 'y_sum': float(y.double().sum())}


out = {'torch_version': torch.__version__, 'numpy_version': np.__version__,
       'broadcast': run('broadcast'), 'fixed': run('fixed')}
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'seed-recipe-golden.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', path)
