"""(c) nn.Sequential, model.zero_grad() and an update loop over model.parameters()."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(6, 4)
y = torch.randn(6, 1)

model = nn.Sequential(nn.Linear(4, 20), nn.ReLU(), nn.Linear(20, 1))
loss_fn = nn.MSELoss()
lr = 0.05

for epoch in range(3):
    model.zero_grad()
    preds = model(x)
    loss = loss_fn(preds, y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
