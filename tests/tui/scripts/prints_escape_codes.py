"""Prints terminal escape codes, as coloured logs and progress bars do: a clear-screen code (which
must not clear stepper's screen), colours, and a progress line redrawn with \\r and erase-line."""

import torch
from torch import nn

print("\x1b[2J\x1b[H\x1b[7mSCRIPT-SAYS-HELLO\x1b[0m")
print("\x1b]0;a window title\x07\x1b[31mred-text\x1b[0m then plain")
x = torch.linspace(-1, 1, 8).unsqueeze(1)
y = 3 * x
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    loss = ((model(x) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"\r\x1b[Kprogress {epoch + 1}/3", end="", flush=True)
print()
