"""A gradient penalty (as in WGAN-GP): torch.autograd.grad with create_graph=True builds part of the
loss. That gradient is not the backward phase; loss.backward() is."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(16, 2)
y = torch.randn(16, 1)

for epoch in range(2):
    inputs = x.clone().requires_grad_(True)
    preds = model(inputs)
    slopes = torch.autograd.grad(preds.sum(), inputs, create_graph=True)[0]
    loss = nn.functional.mse_loss(preds, y) + 0.1 * (slopes.norm(dim=1) - 1).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
