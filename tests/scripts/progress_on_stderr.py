"""A progress line on stderr, redrawn with a carriage return and never ended until the loop is over:
what tqdm does by default."""

import sys

import torch

w = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.1)

for i in range(3):
    loss = (w - 1).pow(2).sum()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    sys.stderr.write(f"\rtrain {i + 1}/3 loss={loss.item():.3f}")
    sys.stderr.flush()
sys.stderr.write("\n")
