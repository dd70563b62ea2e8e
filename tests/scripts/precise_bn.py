"""Precise batch-norm: after training, the running statistics are reset and recomputed with forwards
in train mode under no_grad over a few batches (outputs thrown away), then the model is evaluated in
eval mode. Train mode under no_grad is the point here, not a forgotten model.eval().

`python precise_bn.py layer` resets the one batch-norm layer directly instead of through
`model.apply`; `python precise_bn.py forgot-eval` leaves out the `model.eval()` before evaluating."""

import sys

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(64, 4)
y = (x[:, 0] > 0).long()
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 2))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
variant = sys.argv[1] if len(sys.argv) > 1 else ""


def reset_bn(module):
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        module.reset_running_stats()
        module.momentum = None  # a cumulative average over the batches that follow


for epoch in range(2):
    model.train()
    for i in range(0, 64, 32):
        loss = loss_fn(model(x[i : i + 32]), y[i : i + 32])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    if variant == "layer":
        model[1].reset_running_stats()
    else:
        model.apply(reset_bn)
    with torch.no_grad():
        for i in range(0, 64, 16):
            model(x[i : i + 16])

    if variant != "forgot-eval":
        model.eval()
    with torch.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    print(f"{accuracy:.3f}")
