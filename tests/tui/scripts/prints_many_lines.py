"""Prints far more lines than the output page can show at once (a log line per batch)."""

import torch
from torch import nn

torch.manual_seed(0)
x, y = torch.randn(8, 1), torch.randn(8, 1)
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(2):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
for line in range(400):
    print(f"log line {line}")
print("THE LAST LINE")
