# Never ends, and starts a child process of its own: Stop must end both.
import subprocess
import sys
import time

import torch

child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(f"child pid {child.pid}", flush=True)
w = torch.zeros(2, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.01)
while True:
    opt.zero_grad()
    loss = ((w - 1) ** 2).sum()
    loss.backward()
    opt.step()
    time.sleep(0.01)
