"""WGAN's critic: after each step every weight is clamped into [-0.3, 0.3] through `.data`. The step
is the optimizer's line; the clamp after it is an edit of its own, not more of the same update."""

import torch
from torch import nn

torch.manual_seed(0)
critic = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
optimizer = torch.optim.SGD(critic.parameters(), lr=0.5)
real, fake = torch.randn(16, 2) + 3, torch.randn(16, 2)

for it in range(2):
    loss = critic(fake).mean() - critic(real).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    for p in critic.parameters():
        p.data.clamp_(-0.3, 0.3)
