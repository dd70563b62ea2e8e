"""A learning rate so small next to a big bias that its update is below float32's resolution there:
the bias stays exactly as it was while the weight moves."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1
model = nn.Linear(1, 1)
with torch.no_grad():
    model.weight.fill_(1e-3)
    model.bias.fill_(10000.0)  # float32 numbers near 10,000 are 0.00098 apart
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8)  # the bias's change: about 0.0002
for epoch in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
