"""Decoupled weight decay written by hand: after backward, every weight is shrunk in place under
no_grad, then the optimizer steps. The shrink is part of that one update, not an update of its own.
"""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(16, 2)
y = x @ torch.tensor([[1.5], [-0.5]])
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
decay = 0.01

for epoch in range(2):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1 - 0.1 * decay)
    optimizer.step()
