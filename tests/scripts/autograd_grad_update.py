"""Gradients taken with torch.autograd.grad, which returns them instead of filling .grad, and a
hand-written update with the tensors it returned."""

import torch

torch.manual_seed(0)
w = torch.randn(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
x = torch.randn(20, 3)
y = x @ torch.tensor([[1.0], [2.0], [-1.0]]) + 0.5
lr = 0.1

for it in range(3):
    pred = x @ w + b
    loss = ((pred - y) ** 2).mean()
    gw, gb = torch.autograd.grad(loss, [w, b])
    with torch.no_grad():
        w -= lr * gw
        b -= lr * gb
