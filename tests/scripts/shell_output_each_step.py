"""After each update: prints, and output that never passes through Python's sys.stdout (a shell
command's, a child process's stderr, a write to file descriptor 1), in a known order."""

import os
import subprocess

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 2), torch.randn(8, 1)
for epoch in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"print-{epoch}")
    os.system(f"echo shell-{epoch}")
    subprocess.run(["sh", "-c", f"echo child-err-{epoch} >&2"], check=True)
    os.write(1, f"fd-{epoch}\n".encode())
    print(f"after-{epoch}")
    os.system(f"echo tail-{epoch}")  # (the last thing before the next pause)
