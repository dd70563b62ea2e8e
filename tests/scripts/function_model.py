"""A model written as a plain function of raw tensors, and a mean squared error written by hand."""

import torch

torch.manual_seed(0)
x = torch.randn(10, 3)
y = torch.randn(10, 1)

weights = torch.randn(3, 1, requires_grad=True)
bias = torch.zeros(1, requires_grad=True)


def model(inputs):
    hidden = inputs @ weights
    return hidden + bias


for epoch in range(3):
    pred = model(x)
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        weights -= 0.1 * weights.grad
        bias -= 0.1 * bias.grad
        weights.grad.zero_()
        bias.grad.zero_()
