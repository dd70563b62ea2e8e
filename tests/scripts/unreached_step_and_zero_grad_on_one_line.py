"""The loss rebuilt from a plain number, so no gradient reaches the model, in a loop that steps and
clears on one line: the step still found no gradients, and that is still said."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
x, y = torch.randn(16, 4), torch.randn(16, 1)

for epoch in range(3):
    error = ((model(x) - y) ** 2).mean()
    loss = torch.tensor(error.item(), requires_grad=True)
    loss.backward()
    optimizer.step(); optimizer.zero_grad()  # noqa: E702
