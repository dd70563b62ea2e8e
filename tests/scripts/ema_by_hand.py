"""An exponential moving average of the weights kept by hand, in place, in a copy of the model that
no optimizer holds (the copy is evaluated now and then)."""

import copy

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(64, 4)
y = x.sum(dim=1, keepdim=True)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
average = copy.deepcopy(model)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
loss_fn = nn.MSELoss()

for epoch in range(6):
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for kept, current in zip(average.parameters(), model.parameters()):
            kept.mul_(0.9).add_(current, alpha=0.1)
    if epoch % 2 == 1:
        with torch.no_grad():
            print(epoch, loss_fn(average(x), y).item())
