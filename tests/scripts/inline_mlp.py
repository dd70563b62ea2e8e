"""A two-layer network written inline with raw tensors: the forward takes two lines."""

import torch

torch.manual_seed(0)
x = torch.randn(6, 2)
y = torch.randn(6, 1)

w1 = torch.randn(2, 4, requires_grad=True)
w2 = torch.randn(4, 1, requires_grad=True)

for epoch in range(2):
    hidden = torch.relu(x @ w1)
    preds = hidden @ w2
    loss = ((preds - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w1 -= 0.01 * w1.grad
        w2 -= 0.01 * w2.grad
    w1.grad = None
    w2.grad = None
