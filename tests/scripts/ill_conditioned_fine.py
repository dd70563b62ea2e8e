"""Look-alike that must stay quiet: two inputs on scales 1 and 10, with the largest learning rate
that does not blow up (about 0.005). The first updates settle the big input's weight at once; then
training crawls along the small input's weight, as it would at any safe lr (scaling the inputs is the
cure). Its first updates show the lr is of the right order, so no `lr-too-low`."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(200, 2) * torch.tensor([1.0, 10.0])
y = x @ torch.tensor([[1.5], [-0.3]]) + 0.5 + 0.05 * torch.randn(200, 1)

model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.005)

for epoch in range(120):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"loss {loss.item():.4f}")
