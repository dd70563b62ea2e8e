"""Weight decay written into the loss: the sum of every parameter's squares, added to the
cross-entropy. The first layer's weight ([64, 20]) is bigger than the predictions ([32, 4]), which
says nothing about how the predictions met the targets: no shape warning."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(32, 20)
labels = torch.randint(0, 4, (32,))
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(2):
    logits = model(x)
    penalty = sum(p.pow(2).sum() for p in model.parameters())
    loss = nn.functional.cross_entropy(logits, labels) + 1e-4 * penalty
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
