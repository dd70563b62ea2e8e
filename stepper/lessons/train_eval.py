"""Dropout in train mode and in eval mode: call model.eval().

A small network with a Dropout layer learns y = 2x + 1. In training, dropout zeroes a random half of
the hidden values at every forward pass (and doubles the others), so the network cannot rely on any
one of them; that is also why this loss jumps around more than in `linear`. The randomness stays on
after the loop until you call model.eval(). At the end the same input goes through the model twice in
each mode; watch the printed lines. In train mode the two answers differ and the loss on the data is
about four times higher; after model.eval() the answers agree. model.eval() changes no weight, only how
Dropout (and BatchNorm) behave, and model.train() switches back.
"""

import torch
from torch import nn

torch.manual_seed(0)

x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(32, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(100):
    preds = model(x)  # each call drops a different half of the 32 hidden values
    loss = loss_fn(preds, y)  # so the loss wobbles from step to step
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

x_test = torch.tensor([[0.5]])  # the right answer is 2 * 0.5 + 1 = 2
with torch.no_grad():  # we only evaluate here, so no gradients (see the `no-grad` lesson)
    # Still in train mode: dropout is on, so the same input gives a different answer each time.
    first, second, data_loss = model(x_test), model(x_test), loss_fn(model(x), y)
    print(f"train mode: {first.item():.3f} then {second.item():.3f}; loss on the data {data_loss:.3f}")
    model.eval()  # dropout off: every hidden value is used, none is zeroed or doubled
    first, second, data_loss = model(x_test), model(x_test), loss_fn(model(x), y)
    print(f"eval mode:  {first.item():.3f} then {second.item():.3f}; loss on the data {data_loss:.3f}")
