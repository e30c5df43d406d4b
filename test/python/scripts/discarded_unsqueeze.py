# `pred.unsqueeze(1)` on a line of its own does nothing; `model.to("cpu")` is a module call and is fine.
import torch
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(128, 3)
y = x @ torch.tensor([1.0, -2.0, 0.5])
model = torch.nn.Linear(3, 1)
model.to("cpu")
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(40):
    opt.zero_grad()
    pred = model(x).squeeze(-1)
    pred.unsqueeze(1)  # LINE:discarded-result
    loss = F.mse_loss(pred, y)
    loss.backward()
    opt.step()
