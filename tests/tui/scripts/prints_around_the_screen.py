"""Prints from a thread it starts and to sys.__stdout__ / sys.__stderr__ (the streams Python started
with): none of it may be drawn over the screen, all of it is the script's output."""

import sys
import threading

import torch
from torch import nn

x = torch.linspace(-1, 1, 8).unsqueeze(1)
y = 3 * x
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    loss = ((model(x) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"main-{epoch}")
    thread = threading.Thread(target=print, args=(f"thread-{epoch}",))
    thread.start()
    thread.join()
    print(f"dunder-out-{epoch}", file=sys.__stdout__, flush=True)
    print(f"dunder-err-{epoch}", file=sys.__stderr__, flush=True)
