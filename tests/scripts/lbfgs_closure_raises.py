"""An LBFGS step whose closure raises on its second call, caught by the script; then a model of bare
tensors no optimizer holds, updated by hand: those updates are steps as usual."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(8, 2)
y = torch.randn(8, 1)
model = nn.Linear(2, 1)
optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=2)
calls = 0


def closure():
    global calls
    calls += 1
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    if calls == 2:
        raise ValueError("the closure failed")
    return loss


try:
    optimizer.step(closure)
except ValueError:
    pass

w = torch.randn(2, 1, requires_grad=True)
for epoch in range(2):
    loss = ((x @ w - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
