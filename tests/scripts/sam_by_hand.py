"""Sharpness-Aware Minimization written in the loop: a first backward, a climb to the worst nearby
point (`p.add_(e_w)` under no_grad), a second forward and backward there, the climb undone
(`p.sub_(e_w)`), then the base optimizer's step with the second gradients. One update per iteration."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(32, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
model = nn.Linear(3, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
rho = 0.05

for epoch in range(2):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    with torch.no_grad():
        norm = torch.norm(torch.stack([p.grad.norm() for p in model.parameters()]))
        climbs = []
        for p in model.parameters():
            e_w = p.grad * (rho / (norm + 1e-12))
            p.add_(e_w)
            climbs.append(e_w)
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    with torch.no_grad():
        for p, e_w in zip(model.parameters(), climbs):
            p.sub_(e_w)
    optimizer.step()
