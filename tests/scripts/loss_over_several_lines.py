"""A loss written over several lines, as code formatters lay out a long sum: the pause comes once the
whole statement has run, with the whole loss, not after its first term."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, labels = torch.randn(16, 4), torch.randint(0, 3, (16,))
criterion = nn.CrossEntropyLoss()

for epoch in range(2):
    optimizer.zero_grad()
    logits = model(x)
    loss = (
        criterion(logits, labels)
        + 0.01 * sum(p.pow(2).sum() for p in model.parameters())
        + 0.001 * model.weight.abs().sum()
    )
    loss.backward()
    optimizer.step()
