"""(h) A learning rate far too large: the loss overflows to inf and then nan."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(16, 1) * 10
y = 3 * x

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e6)

for epoch in range(6):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch}: loss {loss.item()}")
