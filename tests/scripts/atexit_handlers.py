"""Registers atexit handlers (one as a decorator, one unregistered again, one that raises): under
python they run at exit, last registered first."""

import atexit
import pickle

import torch
from torch import nn

atexit.register(print, "atexit-first-registered")


@atexit.register
def second():
    print("atexit-second-registered")


def never():
    print("atexit-unregistered")


atexit.register(never)
atexit.unregister(never)


def broken():
    raise ValueError("atexit-handler-raised")


atexit.register(broken)


class Checkpoint:
    pass


def save():
    # (pickle finds the class in __main__: at exit it is still the script's module)
    pickle.dumps(Checkpoint())
    print("atexit-pickled")


atexit.register(save)

torch.manual_seed(0)
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 1)
y = 2 * x + 1
for epoch in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print("script-done")
