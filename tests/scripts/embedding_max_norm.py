"""An embedding made with max_norm: each forward rescales, in place, the rows it looks up whose norm
grew past it (the step before grew them). No line of the script edits a parameter."""

import torch
from torch import nn

torch.manual_seed(0)
embed = nn.Embedding(10, 4, max_norm=1.0)
head = nn.Linear(4, 1)
model = nn.Sequential(embed, head)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
tokens, y = torch.arange(10), torch.randn(10, 1)

for step in range(4):
    preds = model(tokens)
    loss = nn.functional.mse_loss(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
