"""One big layer (1024x1024, a million weights), three SGD steps: big enough to be summarised."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(32, 1024)
y = torch.randn(32, 1024)
model = nn.Linear(1024, 1024)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(3):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
