"""SGD with momentum 0.99 and a small lr: the steps grow for about a hundred updates as the momentum
builds up (the lr that counts is about lr / (1 - momentum) = 0.03), so the first ones are short on
purpose."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.05 * torch.randn(100, 1)
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=3e-4, momentum=0.99)
for step in range(120):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.4f}")
