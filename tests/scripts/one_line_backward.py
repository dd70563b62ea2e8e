"""Forward, loss and backward chained on one line: one pause reports all three, in order."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(5, 2)
y = torch.randn(5, 1)

model = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(2):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
