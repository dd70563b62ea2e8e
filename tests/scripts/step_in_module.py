"""The whole training step lives in another file of the project (train_step_module.py): the script
only calls it, and the module's lines pause as the script's would."""

import torch
from torch import nn
from train_step_module import train_step

torch.manual_seed(0)
x = torch.randn(10, 2)
y = torch.randn(10, 1)
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(2):
    loss = train_step(model, optimizer, x, y)
    print(f"epoch {epoch} loss {loss.item():.4f}")
