"""The canonical loop without zero_grad: each backward adds to the last one's gradients."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(8, 2)
y = torch.randn(8, 1)
model = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(3):
    preds = model(x)
    loss = loss_fn(preds, y)
    loss.backward()
    optimizer.step()
