# Raw inputs in the thousands with plain SGD: the first updates overshoot and the loss runs off to inf/NaN.
import torch
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(256, 2) * 1000
y = x @ torch.tensor([5.0, 3.0])
model = torch.nn.Linear(2, 1, bias=False)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(200):
    optimizer.zero_grad()
    pred = model(x)  # LINE:unscaled-features
    loss = F.mse_loss(pred.squeeze(-1), y)  # LINE:divergence
    loss.backward()
    optimizer.step()
