# A correct regression: standardized inputs, matching shapes, zero_grad every step. No diagnosis allowed.
import torch
import torch.nn as nn

torch.manual_seed(0)
raw = torch.randn(2000, 2) * torch.tensor([100.0, 0.5]) + torch.tensor([10.0, -3.0])
y = raw @ torch.tensor([0.05, 6.0]) + 0.1 * torch.randn(2000)
x = (raw - raw.mean(0)) / raw.std(0)
model = nn.Linear(2, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    for i in range(0, 2000, 100):
        xb, yb = x[i:i + 100], y[i:i + 100]
        optimizer.zero_grad()
        pred = model(xb).squeeze(-1)
        loss = criterion(pred, yb)
        loss.backward()
        optimizer.step()
print(f"final loss {loss.item():.4f}")
