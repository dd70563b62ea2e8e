"""A small MLP (2-16-2): four tensors of at most 32 values, so the panels are flat, but the values of
all four do not fit an 80×24 terminal."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(40, 2)
labels = (x[:, 0] * x[:, 1] > 0).long()
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

for _ in range(3):
    logits = model(x)
    loss = loss_fn(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
