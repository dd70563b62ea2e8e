"""Regressions on whole-number targets that are amounts, not classes: MSE/L1 is right, nothing warns."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(64, 3)

# Ages: whole numbers, but from 18 up (class labels start at 0).
ages = torch.randint(18, 80, (64, 1)).float()
age_model = nn.Linear(3, 1)
loss = nn.MSELoss()(age_model(x), ages)
loss.backward()

# Counts from 0 with many different values (bikes rented per hour): amounts, not 60 classes.
counts = torch.randint(0, 60, (64,)).float()
count_model = nn.Linear(3, 1)
loss = F.mse_loss(count_model(x).squeeze(1), counts)
loss.backward()

# A line y = 2x on x = 0, 1, ..., 7: whole numbers from 0, but every one even, so no class labels.
steps = torch.arange(8.0).unsqueeze(1)
line = nn.Linear(1, 1)
loss = nn.L1Loss()(line(steps), 2 * steps)
loss.backward()

# Yes/no labels with MSE (a sigmoid's output against 0 and 1): a milder choice, left alone.
gate = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
loss = F.mse_loss(gate(x), (x[:, :1] > 0).float())
loss.backward()
print(f"{loss.item():.4f}")
