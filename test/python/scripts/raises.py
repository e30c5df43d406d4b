# Runs two steps, then fails in the user's own code.
import torch

w = torch.zeros(2, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for step in range(5):
    opt.zero_grad()
    loss = ((w - torch.tensor([1.0, 2.0])) ** 2).sum()
    loss.backward()
    opt.step()
    if step == 1:
        raise ValueError("bad batch at step 2")  # LINE:raise
