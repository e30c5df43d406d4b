# A hand-written MSE whose subtraction broadcasts a [N,1] prediction against a [N] target.
import torch

torch.manual_seed(0)
x = torch.randn(64, 3)
y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(64)
w = torch.zeros(3, 1, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.05)
for step in range(30):
    opt.zero_grad()
    pred = x @ w
    loss = ((pred - y) ** 2).mean()  # LINE:loss-broadcast
    loss.backward()
    opt.step()
