"""A loss module with reduction="none" gives one loss per example; the script weighs them and takes
the mean, and that mean is the loss optimised (the module's call is part of the loss, not a model)."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.MSELoss(reduction="none")
x, y = torch.randn(10, 3), torch.randn(10, 1)
weights = torch.rand(10, 1)

for epoch in range(2):
    optimizer.zero_grad()
    out = model(x)
    per_example = criterion(out, y)
    loss = (per_example * weights).mean()
    loss.backward()
    optimizer.step()
