# The classic bug, small: prediction [N,1] against target [N] makes MSELoss broadcast to [N,N].
# It leaves ran.marker beside itself, so a test can tell whether anything executed it.
import os
import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
with open(os.path.join(here, "ran.marker"), "w") as f:
    f.write("ran\n")

torch.manual_seed(0)
x = torch.randn(32, 2) * 100
y = 5 * x[:, 0] + 3 * x[:, 1] + torch.randn(32)

model = nn.Linear(2, 1, bias=False)
opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
loss_fn = nn.MSELoss()
for epoch in range(2):
    opt.zero_grad()
    pred = model(x)
    pred.squeeze()
    loss = loss_fn(pred, y)
    loss.backward()
    opt.step()
    print(epoch, loss.item())
