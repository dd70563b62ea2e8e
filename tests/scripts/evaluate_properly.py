"""Training with an evaluation done right each epoch: model.train(), then model.eval() under no_grad."""

import torch
from torch import nn

torch.manual_seed(0)
x, x_val = torch.randn(32, 4), torch.randn(16, 4)
y, y_val = (x[:, 0] > 0).long(), (x_val[:, 0] > 0).long()
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 2))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(3):
    model.train()
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = loss_fn(model(x_val), y_val)
    print(f"{loss.item():.4f} {val_loss.item():.4f}")
