"""The seed workload in real PyTorch (the loop the core is measured against). Prints one JSON line.

Same data recipe, model, loss, optimizer and loop as presets/seed-broadcast.gradexp.json.
Usage: /usr/bin/python3 scripts/bench_torch.py [broadcast|fixed] [repeats]
"""
import json, sys, time, warnings
import numpy as np
import torch

from seed_recipe import BATCH, N as N_ROWS, seed_setup

variant = sys.argv[1] if len(sys.argv) > 1 else 'broadcast'
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
if "--threads1" in sys.argv: torch.set_num_threads(1)
warnings.simplefilter('ignore')


def run():
    X, y, model, opt, crit = seed_setup()
    N, bs = N_ROWS, BATCH
    steps = 0
    t0 = time.perf_counter()
    for epoch in range(30):
        b = 0
        while b * bs < N:
            pred = model(X[b * bs:(b + 1) * bs])
            if variant == 'fixed':
                pred = pred.squeeze()
            loss = crit(pred, y[b * bs:(b + 1) * bs])
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
            b += 1
    return (time.perf_counter() - t0) * 1000, steps, loss.item()


run()  # warm-up
best = None
for _ in range(repeats):
    ms, steps, last = run()
    best = ms if best is None or ms < best else best
print(json.dumps({'workload': 'seed-' + variant, 'engine': 'pytorch ' + torch.__version__, 'threads': torch.get_num_threads(), 'steps': steps,
                  'totalMs': best, 'msPerStep': best / steps, 'finalLoss': last}))
