"""Minibatches taken in order from data sorted by its target (a time series, a sorted file): each
batch's targets are bigger than the last's, so the loss of the first epoch's batches doubles batch
after batch while the model learns (the loss over all the data falls at every update)."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(0, 1, 40).unsqueeze(1)
y = x**2
model = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

for epoch in range(3):
    for start in range(0, 40, 10):
        xb, yb = x[start : start + 10], y[start : start + 10]
        loss = nn.functional.mse_loss(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
