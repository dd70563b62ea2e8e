"""zero_grad called between backward and step: every step finds no gradients and changes nothing."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(16, 2)
y = x @ torch.tensor([[1.0], [-1.0]])
model = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(3):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    print(f"{loss.item():.4f}")
