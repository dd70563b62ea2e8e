"""A ~1M-parameter MLP (784-1024-10) on random data, batch 256, 200 steps: a real-size loop."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(256, 784)
y = torch.randint(0, 10, (256,))
model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 10))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

for _ in range(200):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"final loss {loss.item():.4f}")
