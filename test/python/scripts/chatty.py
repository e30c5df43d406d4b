# Prints about 8 MB while it trains, and echoes its argv and working directory.
import os
import sys

import torch

print("argv", sys.argv[1:], flush=True)
print("cwd", os.getcwd(), flush=True)
line = "x" * 1023
w = torch.zeros(2, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for step in range(8):
    for _ in range(1024):
        print(line)
    opt.zero_grad()
    loss = ((w - 1) ** 2).sum()
    loss.backward()
    opt.step()
print("done", file=sys.stderr)
