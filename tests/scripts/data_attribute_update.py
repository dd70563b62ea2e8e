"""Old-style tutorial update through `.data`: `w.data -= lr * w.grad.data`, `w.grad.data.zero_()`."""

import torch

torch.manual_seed(0)
x = torch.linspace(-1, 1, 10)
y = 4 * x - 2

w = torch.randn(1, requires_grad=True)
b = torch.randn(1, requires_grad=True)
learning_rate = 0.1

for t in range(3):
    y_pred = x * w + b
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    w.data -= learning_rate * w.grad.data
    b.data -= learning_rate * b.grad.data
    w.grad.data.zero_()
    b.grad.data.zero_()
