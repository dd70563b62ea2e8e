"""MSELoss on three class scores against one class index per example: the targets are repeated."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(24, 4)
labels = (x[:, 0] > 0).float().unsqueeze(1)  # [24, 1]: one label per example
model = nn.Linear(4, 3)  # [24, 3]: three scores per example
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(2):
    loss = loss_fn(model(x), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
