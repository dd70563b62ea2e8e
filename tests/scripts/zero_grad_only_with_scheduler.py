"""An optimizer that only clears the gradients and drives a learning-rate schedule: the update is
written by hand from the optimizer's own lr, and the scheduler's step lowers it each epoch."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(8, 2)
y = torch.randn(8, 1)
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.9)

for epoch in range(4):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    lr = optimizer.param_groups[0]["lr"]
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    scheduler.step()
