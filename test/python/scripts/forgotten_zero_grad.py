# No zero_grad(): every backward() adds into .grad, so each step uses the sum of all gradients so far.
import torch
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(128, 2)
y = x @ torch.tensor([2.0, -1.0])
model = torch.nn.Linear(2, 1, bias=False)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(40):
    loss = F.mse_loss(model(x).squeeze(-1), y)
    loss.backward()  # LINE:grad-accumulation
    optimizer.step()
