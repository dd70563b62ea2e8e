"""An update that rebinds the names instead of changing the tensors in place
(`w = w - lr * w.grad`), then marks the new tensors as parameters again."""

import torch

torch.manual_seed(0)
x = torch.randn(6, 2)
y = torch.randn(6, 1)

w = torch.randn(2, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.1

for epoch in range(3):
    preds = x @ w + b
    loss = ((preds - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w = w - lr * w.grad
        b = b - lr * b.grad
    w.requires_grad_()
    b.requires_grad_()
