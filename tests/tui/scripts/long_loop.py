"""A loop long enough that running to a far step takes a while (to test stopping it)."""

import torch

w = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.01)
for _ in range(100_000):
    preds = w * torch.ones(4, 1)
    loss = ((preds - 1) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
