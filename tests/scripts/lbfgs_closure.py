"""LBFGS: the optimizer calls a closure that runs forward, loss, zero_grad and backward itself."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(20, 1)
y = 3 * x - 1
model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=1)


def closure():
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss


for epoch in range(2):
    optimizer.step(closure)
