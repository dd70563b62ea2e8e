"""A learner's own fit with lr=1e-4: 100 features, nn.Linear(100, 1), plain SGD on the whole set.

Every step moves the weights by a ten-thousandth of the gradient, so after 60 steps the loss has
hardly moved: `lr-too-low`. (The weight holds 100 values, more than a snapshot keeps, so stepper reads
it from the live tensor.)
"""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(200, 100)
y = x @ torch.randn(100, 1) + 0.1 * torch.randn(200, 1)

model = nn.Linear(100, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)

for epoch in range(60):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"loss {loss.item():.4f}")
