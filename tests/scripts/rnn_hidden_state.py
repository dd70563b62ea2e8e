"""Truncated backpropagation through time: an LSTM's state is carried from one chunk of the sequence
to the next, unpacked and detached first. Binding last chunk's state again is not a forward."""

import torch
from torch import nn

torch.manual_seed(0)
lstm = nn.LSTM(3, 4, batch_first=True)
optimizer = torch.optim.SGD(lstm.parameters(), lr=0.1)
x = torch.randn(2, 15, 3)
y = torch.randn(2, 15, 4)
state = None

for chunk in range(3):
    xs, ys = x[:, chunk * 5 : (chunk + 1) * 5], y[:, chunk * 5 : (chunk + 1) * 5]
    if state is not None:
        h, c = state
        state = tuple(s.detach() for s in (h, c))
    out, state = lstm(xs, state)
    loss = nn.functional.mse_loss(out, ys)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
