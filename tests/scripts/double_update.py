"""A mistake from mixing two tutorials: an update written by hand from the gradients, and then the
optimizer's step as well, so every iteration updates twice."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(50, 1)
y = 2 * x + 1
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(3):
    pred = model(x)
    loss = ((pred - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.05 * p.grad
    optimizer.step()
