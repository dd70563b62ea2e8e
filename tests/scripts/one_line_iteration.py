"""Clear, backward and step written on one line: each pause of that line shows the gradients of its
own backward, which the zero_grad before it on the line had cleared the way for."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(10, 1)

for epoch in range(3):
    loss = ((model(x) - 2 * x) ** 2).mean()
    optimizer.zero_grad(); loss.backward(); optimizer.step()  # noqa: E702
