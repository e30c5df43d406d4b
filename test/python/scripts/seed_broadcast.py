# The seed bug as reported: nn.Linear(2, 1) gives a [N,1] prediction, the target is [N], `x.squeeze()`
# drops its result, and MSELoss broadcasts to [N,N]. `--epochs N` (default 30 = 3000 steps), `--weight-1d`
# sets the weight by hand to a 1-D tensor, the accidental fix (F.linear then returns [N]).
import sys

import numpy as np
import torch
import torch.nn as nn

epochs = int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 30

np.random.seed(0)
torch.manual_seed(0)

N = 10000
data = np.random.randn(N, 3)
data[:, :2] *= 100
data[:, 2] = data[:, :2] @ np.array([5.0, 3.0]) + np.random.randn(N)
X = torch.Tensor(data[:, :2])
y = torch.Tensor(data[:, 2])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(2, 1, bias=False)
        if "--weight-1d" in sys.argv:
            self.layer1.weight = nn.Parameter(torch.Tensor([2, 3]))

    def forward(self, x):
        x = self.layer1(x)  # LINE:unscaled-features
        x.squeeze()  # LINE:discarded-result
        return x


model = Model()
criterion = nn.MSELoss()
optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)
bs = 100
for epoch in range(epochs):
    batch = 0
    while batch * bs < N:
        xb = X[batch * bs:(batch + 1) * bs]
        yb = y[batch * bs:(batch + 1) * bs]
        optimizer.zero_grad()
        pred = model(xb)
        loss = criterion(pred, yb)  # LINE:loss-broadcast
        loss.backward()
        optimizer.step()
        batch += 1
    print(f"epoch {epoch} loss {loss.item():.3f}")
print("weight", model.layer1.weight.detach().tolist())
