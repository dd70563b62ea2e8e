"""optimizer.step() written before loss.backward(): each step runs on gradients a zero_grad has just
cleared, and each backward's gradients are cleared before a step can use them."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, labels = torch.randn(20, 4), torch.randint(0, 2, (20,))

for epoch in range(3):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), labels)
    optimizer.step()
    loss.backward()
