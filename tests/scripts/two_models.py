"""One training function used for two models in turn, then two models trained one after the other."""

import torch
from torch import nn

torch.manual_seed(0)
x, y = torch.randn(8, 2), torch.randn(8, 1)


def train(model):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(2):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad(); loss.backward(); optimizer.step()  # noqa: E702


train(nn.Linear(2, 1))
train(nn.Linear(2, 1))

first = nn.Linear(2, 1)
optimizer = torch.optim.SGD(first.parameters(), lr=0.1)
for epoch in range(3):
    loss = nn.functional.mse_loss(first(x), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()  # noqa: E702
second = nn.Linear(2, 1)
optimizer = torch.optim.SGD(second.parameters(), lr=0.1)
for epoch in range(2):
    loss = nn.functional.mse_loss(second(x), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step()  # noqa: E702
