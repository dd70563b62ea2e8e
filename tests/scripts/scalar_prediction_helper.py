"""The one-number prediction made by a function of the script (`forward(x)`), as from-scratch autograd
tutorials write it: the call's line is the forward, and the squared error on the next line the loss."""

import torch

xs = [1.0, 2.0, 3.0]
ys = [2.0, 4.0, 6.0]
w = torch.tensor(1.0, requires_grad=True)


def forward(x):
    return x * w


for x, y in zip(xs, ys):
    y_pred = forward(x)
    loss = (y_pred - y) ** 2
    loss.backward()
    w.data = w.data - 0.01 * w.grad.item()
    w.grad.data.zero_()
