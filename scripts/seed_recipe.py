"""The seed report's recipe in real PyTorch, shared by bench_torch.py and make-seed-golden.py.

np.random.seed(0); torch.manual_seed(0); data = randn(N, 3); features ×100; y = X @ [5, 3] + randn(N);
nn.Linear(2, 1, bias=False); RMSprop(lr=0.01); MSELoss — exactly presets/seed-broadcast.gradexp.json.
"""
import numpy as np
import torch

N, BATCH = 10000, 100


def seed_setup():
    """Seeds both generators and returns (X, y, model, optimizer, criterion) as the report built them."""
    np.random.seed(0)
    torch.manual_seed(0)
    data = np.random.randn(N, 3)
    data[:, :2] *= 100
    data[:, 2] = data[:, :2] @ np.array([5.0, 3.0]) + np.random.randn(N)
    X = torch.Tensor(data[:, :2])
    y = torch.Tensor(data[:, 2])
    model = torch.nn.Linear(2, 1, bias=False)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
    return X, y, model, opt, torch.nn.MSELoss()
