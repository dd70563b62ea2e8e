"""LBFGS with several iterations per step(): it updates the parameters inside step() and calls the
closure again, whose zero_grad then comes after that update."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(20, 1)
y = 3 * x - 1
model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=3)


def closure():
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss


for epoch in range(2):
    optimizer.step(closure)
