"""A ~100M-parameter MLP (six 4096x4096 layers) on random data, batch 64, plain SGD, 3 steps."""

import torch
from torch import nn

torch.manual_seed(0)
width = 4096
x = torch.randn(64, width)
y = torch.randn(64, width)
layers = []
for _ in range(6):
    layers += [nn.Linear(width, width), nn.ReLU()]
model = nn.Sequential(*layers[:-1])
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for _ in range(3):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"final loss {loss.item():.4f}")
