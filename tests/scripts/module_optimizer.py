"""(a) The canonical five lines: an nn.Module, a loss module and an optimizer."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(8, 3)
y = torch.randn(8, 1)

model = nn.Linear(3, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(3):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"final loss {loss.item():.4f}")
