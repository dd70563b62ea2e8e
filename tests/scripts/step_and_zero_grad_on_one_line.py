"""`optimizer.step(); optimizer.zero_grad()` written on one line, as some loops end: the step found
the backward's gradients, and the zero_grad cleared them after it, before the line was over."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 3), torch.randn(16, 1)

for epoch in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step(); optimizer.zero_grad()  # noqa: E702
