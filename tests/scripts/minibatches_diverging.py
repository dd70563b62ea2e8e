"""Minibatches with a learning rate far too high: the loss grows tenfold and more at every update,
batch after batch, until it overflows."""

import torch
from torch import nn

torch.manual_seed(0)
x = 3 * torch.randn(64, 4)
y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)

for epoch in range(10):
    for start in range(0, 64, 16):
        xb, yb = x[start : start + 16], y[start : start + 16]
        loss = nn.functional.mse_loss(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
