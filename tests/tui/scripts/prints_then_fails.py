"""Prints as it trains (a progress line redrawn with \\r, then whole lines), and raises after two
updates: all of it must still be in the terminal once the screen is gone."""

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
    print(f"\rprogress {epoch + 1}/5", end="", flush=True)
    print(f" epoch {epoch} done")
    if epoch == 1:
        raise ValueError("the learning rate schedule ran out of values")
