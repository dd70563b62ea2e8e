"""A functional loss made and backpropagated on one line: its graph (and the target it saved) is
freed by backward before stepper looks at the line."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(10, 2)
labels = torch.randint(0, 3, (10,))
model = nn.Linear(2, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(2):
    optimizer.zero_grad()
    F.cross_entropy(model(x), labels).backward()
    optimizer.step()
