"""An optimizer used only to clear the gradients: the update is written by hand and the optimizer's
step is never called."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(8, 2)
y = torch.randn(8, 1)
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(4):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
