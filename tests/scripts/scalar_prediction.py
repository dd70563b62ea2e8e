"""A prediction that is one number: a zero-dimensional weight times one example. The prediction line
is the forward; the loss is the next line, which compares it with the target."""

import torch

xs = [1.0, 2.0, 3.0]
ys = [2.0, 4.0, 6.0]
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)

for x, y in zip(xs, ys):
    y_pred = w * x + b
    loss = (y_pred - y) ** 2
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad
        b -= 0.01 * b.grad
    w.grad.zero_()
    b.grad.zero_()
