"""A loss rebuilt from a plain number (`torch.tensor(value.item(), requires_grad=True)`): backward
runs, but from a new leaf that has no path back to the model, so no parameter gets a gradient."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
x, y = torch.randn(16, 4), torch.randn(16, 1)

for epoch in range(3):
    optimizer.zero_grad()
    error = ((model(x) - y) ** 2).mean()
    loss = torch.tensor(error.item(), requires_grad=True)
    loss.backward()
    optimizer.step()
