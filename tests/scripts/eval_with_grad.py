"""Validation each epoch after model.eval(), but without torch.no_grad(): a graph recorded for nothing."""

import torch
from torch import nn

torch.manual_seed(0)
x, x_val = torch.randn(32, 4), torch.randn(16, 4)
y, y_val = x.sum(1, keepdim=True), x_val.sum(1, keepdim=True)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 1))
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

for epoch in range(3):
    model.train()
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model.eval()
    val_preds = model(x_val)
    val_loss = loss_fn(val_preds, y_val)
    print(f"{loss.item():.4f} {val_loss.item():.4f}")
