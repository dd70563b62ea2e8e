"""What scripts do with sys.stdout beyond print(): reconfigure it, write bytes to its buffer, ask it
what it is."""

import sys

import torch

sys.stdout.reconfigure(encoding="utf-8", line_buffering=True)
sys.stderr.reconfigure(errors="backslashreplace")
w = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w], lr=0.1)
for step in range(2):
    optimizer.zero_grad()
    loss = ((w - 1.0) ** 2).mean()
    loss.backward()
    optimizer.step()
    sys.stdout.buffer.write(f"bytes {step} → ok\n".encode())
    sys.stdout.flush()
facts = [
    sys.stdout.encoding,
    sys.stdout.line_buffering,
    sys.stderr.errors,
    sys.stdout.writable(),
    isinstance(sys.stdout.isatty(), bool),
    isinstance(sys.stdout.fileno(), int),
    isinstance(sys.stdout.name, (str, int)),
]
print("facts", *facts)
sys.stderr.buffer.write(b"to stderr as bytes\n")
