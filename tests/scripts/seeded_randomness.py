"""Randomness from all three generators a script may use; --seed must fix every one."""

import random

import numpy
import torch
from torch import nn

model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
print(random.random(), float(numpy.random.rand()), torch.rand(1).item())

for epoch in range(2):
    x = torch.randn(4, 2)
    loss = model(x).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
