"""`loss.backward` without its parentheses: the method is named, never called. No gradient is ever
computed, so every optimizer.step() finds nothing to apply and the model never changes."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(20, 3), torch.randn(20, 1)

for epoch in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward
    optimizer.step()
