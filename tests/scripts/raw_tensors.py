"""(b) Bare leaf tensors, an update written by hand under no_grad, and `p.grad = None`."""

import torch

torch.manual_seed(0)
x = torch.randn(10, 2)
y = x @ torch.tensor([[1.5], [-0.5]]) + 0.3

w = torch.randn(2, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1

for epoch in range(3):
    preds = x @ w + b
    loss = ((preds - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad = None
    b.grad = None
