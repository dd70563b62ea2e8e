"""Calls split over several lines, as code formatters write them: a pause names the statement's
first line."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(6, 4)
labels = torch.randint(0, 3, (6,))

model = nn.Linear(4, 3)
optimizer = torch.optim.SGD(
    model.parameters(),
    lr=0.1,
)

for epoch in range(2):
    logits = model(
        x
    )
    loss = F.cross_entropy(
        logits,
        labels,
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
