"""Training on one example at a time, as the first autograd tutorials do: the weight is a tensor of
shape [1], so the prediction and the squared error have shape [1] too (backward takes a one-value
tensor as it takes a scalar)."""

import torch

xs = [1.0, 2.0, 3.0]
ys = [2.0, 4.0, 6.0]
w = torch.tensor([1.0], requires_grad=True)


def forward(x):
    return x * w


def squared_error(y_pred, y):
    return (y_pred - y) ** 2


for epoch in range(1):
    for x, y in zip(xs, ys):
        y_pred = forward(x)
        loss = squared_error(y_pred, y)
        loss.backward()
        w.data = w.data - 0.01 * w.grad.item()
        w.grad.data.zero_()
