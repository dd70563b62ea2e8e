"""One mid-size layer (256x512, 131,072 weights), six SGD steps: read whole at every pause in a
transcript, and sampled at the pauses a run on the screen passes unseen when its budget runs short."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(16, 512)
y = torch.randn(16, 256)
model = nn.Linear(512, 256)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(6):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
