"""Adam with lr=1e-5 on a small MLP fitting sin(x): each step moves every weight by about 1e-5, a
hundredth of Adam's usual 1e-3, so 60 full-batch steps barely dent the loss: `lr-too-low`."""

import torch
from torch import nn

torch.manual_seed(0)
x = torch.linspace(-3, 3, 200).unsqueeze(1)
y = torch.sin(x) + 0.05 * torch.randn(200, 1)

model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)

for epoch in range(60):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"loss {loss.item():.4f}")
