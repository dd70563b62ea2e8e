"""A loss built over three lines: the data term (where the loss is found), a penalty, then their sum,
the loss optimised. Each iteration's data term is compared with the last one's, not with the sum."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(16, 3)
y = torch.randn(16, 1)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(3):
    mse = nn.functional.mse_loss(model(x), y)
    penalty = model.weight.pow(2).sum()
    loss = mse + 0.5 * penalty
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
