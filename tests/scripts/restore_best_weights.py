"""Early stopping: the weights of the epoch with the lowest validation loss are kept, and loaded
back into the model when training ends (a restore, not a training step nor an edit after one)."""

import copy

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x, y = torch.randn(20, 2), torch.randn(20, 1)
x_val, y_val = torch.randn(10, 2), torch.randn(10, 1)

best_loss, best_state = float("inf"), None
for epoch in range(4):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        val_loss = nn.functional.mse_loss(model(x_val), y_val).item()
    if val_loss < best_loss:
        best_loss, best_state = val_loss, copy.deepcopy(model.state_dict())

model.load_state_dict(best_state)
with torch.no_grad():
    print(f"restored: {nn.functional.mse_loss(model(x_val), y_val).item():.4f}")
