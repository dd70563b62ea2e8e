"""A tiny training loop that raises in its second iteration (for the error panel tests)."""

import torch
from torch import nn

x = torch.linspace(-1, 1, 8).unsqueeze(1)
y = 3 * x
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(5):
    preds = model(x)
    loss = ((preds - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch == 1:
        raise ValueError("the learning rate schedule ran out of values")
