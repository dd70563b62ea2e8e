"""Backward through the function form, `torch.autograd.backward(loss)`, with a functional MSE."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(6, 2)
y = torch.randn(6, 1)

model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(2):
    preds = model(x)
    loss = F.mse_loss(preds, y)
    optimizer.zero_grad()
    torch.autograd.backward(loss)
    optimizer.step()
