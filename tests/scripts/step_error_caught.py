"""The script catches an error raised inside optimizer.step() and carries on training."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(20, 1)
y = 3 * x - 1
model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def refuse(optimizer, args, kwargs):
    if refuse.once:
        refuse.once = False
        raise RuntimeError("refused once")


refuse.once = True
optimizer.register_step_pre_hook(refuse)

for epoch in range(2):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    try:
        optimizer.step()
    except RuntimeError:
        print("step refused")
