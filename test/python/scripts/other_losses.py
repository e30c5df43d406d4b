# Losses PyTorch does not warn about when the prediction is [N,1] and the target [N].
import torch
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(32, 2)
y = x.sum(1).abs() + 0.5
w = torch.ones(2, 1, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.001)
for step in range(3):
    opt.zero_grad()
    pred = (x @ w).abs() + 0.1
    a = F.gaussian_nll_loss(pred, y, torch.ones(32, 1))  # LINE:gaussian
    b = F.poisson_nll_loss(pred, y, log_input=False)  # LINE:poisson
    c = F.kl_div(pred.log(), y, reduction="batchmean")  # LINE:kl
    (a + b + c).backward()
    opt.step()
