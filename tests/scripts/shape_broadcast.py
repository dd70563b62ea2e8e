"""Predictions [20, 1] against targets [20]: the loss silently broadcasts to [20, 20]."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 20).unsqueeze(1)
y = 2 * x.squeeze(1) + 1  # shape [20], not [20, 1]

model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    preds = model(x)
    loss = ((preds - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
