"""The ~1M-parameter MLP of mlp_1m.py with its update written by hand, as from-scratch tutorials do:
`model.zero_grad()`, then `p -= lr * p.grad` for each parameter under `torch.no_grad()`."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(256, 784)
y = torch.randint(0, 10, (256,))
model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 10))
loss_fn = nn.CrossEntropyLoss()
lr = 0.01

for _ in range(200):
    preds = model(x)
    loss = loss_fn(preds, y)
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad

print(f"final loss {loss.item():.4f}")
