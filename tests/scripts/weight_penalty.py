"""A loss with a term added (an L2 penalty on the weights), and a running total of the losses kept as
a tensor after backward: the loss shown is the one optimised, never the running total."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(16, 3)
y = torch.randn(16, 1)
model = nn.Linear(3, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
running = 0

for epoch in range(3):
    preds = model(x)
    loss = loss_fn(preds, y) + 0.5 * model.weight.pow(2).sum()
    optimizer.zero_grad()
    loss.backward()
    running = running + loss
    optimizer.step()
    print(repr(loss.item()))
