"""Prints to sys.__stdout__ and sys.__stderr__ (the streams Python started with), as a script does
to get around a logging library's redirection: still the script's output."""

import sys

import torch
from torch import nn

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
    print(f"dunder-out-{epoch}", file=sys.__stdout__)
    sys.__stderr__.write(f"dunder-err-{epoch}\n")
    sys.__stdout__.buffer.write(f"dunder-bytes-{epoch}\n".encode())
    sys.__stdout__.flush()
