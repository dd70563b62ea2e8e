"""Dropout in train mode and in eval mode: call model.eval().

A small network with a Dropout layer learns y = 2x + 1. In training, dropout zeroes a random half of
the hidden values at every forward pass (and doubles the others), so the network cannot rely on any
one of them; that is also why this loss jumps around more than in `linear`. The randomness stays on
after the loop until you call model.eval(). At the end the same input goes through the model twice in
each mode; watch the printed lines. In train mode the two answers differ and the loss on the data is
about four times higher; after model.eval() the answers agree. model.eval() changes no weight, only how
Dropout (and BatchNorm) behave, and model.train() switches back. stepper labels each forward with the
mode it ran in (`forward (eval, no_grad)`) and warns at the evaluation still in train mode.
"""

import torch
from torch import nn

torch.manual_seed(0)

x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Sequential(
    nn.Linear(1, 32),
    nn.ReLU(),
    nn.Dropout(p=0.5),  # zeroes half the 32 hidden values
    nn.Linear(32, 1),
)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(100):
    preds = model(x)  # a new random half dropped each call
    loss = loss_fn(preds, y)  # so the loss wobbles
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

x_test = torch.tensor([[0.5]])  # the right answer is 2
with torch.no_grad():  # only evaluating (see `no-grad`)
    # Still in train mode: dropout is on, so the same
    # input gives a different answer each time.
    a, b, full = model(x_test), model(x_test), loss_fn(model(x), y)
    print(f"train mode: {a.item():.3f} then {b.item():.3f}; loss {full:.3f}")
    model.eval()  # dropout off: every hidden value is kept
    a, b, full = model(x_test), model(x_test), loss_fn(model(x), y)
    print(f"eval mode:  {a.item():.3f} then {b.item():.3f}; loss {full:.3f}")
