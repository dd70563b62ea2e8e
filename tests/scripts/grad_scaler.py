"""Mixed precision on the CPU: autocast, a GradScaler, unscale_ and clipping before the step.

The scaler starts at 2^127, where the scaled gradients overflow: its first steps are skipped (and the
scale halved each time) until one fits.
"""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(64, 4)
y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1
model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu", init_scale=2.0**127)
loss_fn = nn.MSELoss()

for epoch in range(8):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        preds = model(x)
        loss = loss_fn(preds.float(), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(optimizer)
    scaler.update()

print(f"scale {scaler.get_scale():g}")
