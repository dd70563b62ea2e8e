"""An update written by hand, `p -= lr * p.grad` with lr=1e-4 and no optimizer, each gradient zeroed
right after its use: the line fit barely moves in 40 steps (`lr-too-low`, whose message then has no lr
to quote and no live knob to offer)."""

import torch

torch.manual_seed(0)
x = torch.linspace(-1, 1, 50).unsqueeze(1)
y = 3 * x - 1 + 0.1 * torch.randn(50, 1)

w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 1e-4

for epoch in range(40):
    preds = x @ w + b
    loss = ((preds - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in (w, b):
            p -= lr * p.grad
            p.grad.zero_()
