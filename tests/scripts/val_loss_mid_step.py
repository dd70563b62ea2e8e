"""A validation loss computed (gradients on) between the training loss and its backward, for a log."""

import torch
from torch import nn

torch.manual_seed(0)
x, x_val = torch.randn(64, 3), torch.randn(32, 3)
w_true = torch.tensor([[1.5], [-2.0], [0.7]])
y, y_val = x @ w_true, x_val @ w_true
model = nn.Linear(3, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

for step in range(3):
    loss = loss_fn(model(x), y)
    val_loss = loss_fn(model(x_val), y_val)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(loss.item(), val_loss.item())
