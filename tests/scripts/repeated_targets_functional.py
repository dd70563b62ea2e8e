"""F.mse_loss on three class scores against one label per example: the functional loss repeats the
targets across each row before autograd records anything."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(24, 4)
labels = (x[:, 0] > 0).float().unsqueeze(1)  # [24, 1]
model = nn.Linear(4, 3)  # [24, 3]
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(2):
    scores = model(x)
    loss = F.mse_loss(scores, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
