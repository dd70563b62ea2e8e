"""The loop split into small functions: the loss comes from a helper, and the update (zero_grad,
backward, step) is a function of its own called once per iteration."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(6, 2)
y = torch.randn(6, 1)

model = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def compute_loss(model, inputs, targets):
    return loss_fn(model(inputs), targets)


def update(loss, optimizer):
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def train(epochs):
    for epoch in range(epochs):
        loss = compute_loss(model, x, y)
        update(loss, optimizer)


train(2)
