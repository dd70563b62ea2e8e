"""Evaluating with and without torch.no_grad().

The line fit from `linear`, then the trained model predicts new points twice. Without no_grad, autograd
records every operation just as in training: the output has requires_grad=True and a grad_fn, and the
graph keeps the intermediate tensors alive as long as the output lives. On a big model inside a
validation loop that is a lot of wasted memory and time. Inside `with torch.no_grad():` the same call
gives the same numbers, but requires_grad=False and grad_fn=None: nothing was recorded. Watch the two
printed lines at the end, and the last two forward pauses: the second says `forward (no_grad)`. The
parameters and .grad are the same before and after both.
"""

import torch
from torch import nn

torch.manual_seed(0)

x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(50):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

x_new = torch.tensor([[2.0], [3.0]])  # expect about 5 and 7


def describe(out):
    values = [round(v, 3) for v in out.squeeze(1).tolist()]
    graph = out.grad_fn.name() if out.grad_fn else None
    return f"{values} requires_grad={out.requires_grad} grad_fn={graph}"


# Without no_grad: autograd records a graph for this
# output, as if a backward were coming.
pred = model(x_new)
print("without no_grad:", describe(pred))

# With no_grad: the same numbers, and no graph behind them.
with torch.no_grad():
    pred = model(x_new)
print("with no_grad:   ", describe(pred))
