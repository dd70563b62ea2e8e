"""Gradient clipping between backward and step: clip_grad_norm_ scales every .grad down so that their
total norm is at most max_norm (or, run with the argument `value`, clip_grad_value_ clamps each value
to ±0.5), and the step uses the clipped values."""

import sys

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(32, 3)
y = 5 * x.sum(dim=1, keepdim=True)
model = nn.Linear(3, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(3):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    if sys.argv[1:] == ["value"]:
        nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
    else:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    optimizer.step()
