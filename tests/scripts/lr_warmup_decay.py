"""Look-alike that must stay quiet: a learning-rate schedule. A warm-up grows the lr from a thousandth
of 0.1 to 0.1 over 30 steps (×1.26 a step), then it is cut ×10 at steps 60 and 90. The warm-up's
first steps are as short as a far-too-small lr's, but the lr rises at each; the cuts come after updates
that showed 0.1 is of the right order."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
schedule = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lambda step: 0.001 ** max(0.0, 1 - step / 30) * 0.1 ** (step // 60)
)

for epoch in range(120):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    schedule.step()

print(f"loss {loss.item():.4f}")
