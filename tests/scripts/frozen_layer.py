"""Fine-tuning's first move: the first layer frozen (requires_grad_(False)), the optimizer given only
the parameters that still train. The frozen layer is shown too, staying as it was."""

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
model[0].requires_grad_(False)
optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
x, y = torch.randn(8, 3), torch.randn(8, 1)

for epoch in range(2):
    preds = model(x)
    loss = nn.functional.mse_loss(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
