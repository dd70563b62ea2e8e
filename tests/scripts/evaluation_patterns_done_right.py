"""Correct patterns a naive mode or loss detector would misread; none of them is a mistake."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(16, 4)
y = (x[:, 0] > 0).long()

# A GAN's generator (with batch-norm) makes fakes under no_grad for its discriminator's step.
G = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))
D = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.01), torch.optim.SGD(D.parameters(), lr=0.01)
for _ in range(2):
    with torch.no_grad():
        fake = G(torch.randn(16, 2))
    d_loss = F.softplus(D(fake)).mean() + F.softplus(-D(x)).mean()
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = F.softplus(-D(G(torch.randn(16, 2)))).mean()
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()

# Two losses, two optimizers, each loss backpropagated after the other's step (actor-critic).
actor, critic = nn.Linear(4, 2), nn.Linear(4, 1)
opt_a, opt_c = torch.optim.SGD(actor.parameters(), lr=0.01), torch.optim.SGD(critic.parameters(), lr=0.01)
for _ in range(3):
    actor_loss = F.cross_entropy(actor(x), y)
    critic_loss = critic(x).pow(2).mean()
    opt_a.zero_grad()
    actor_loss.backward()
    opt_a.step()
    opt_c.zero_grad()
    critic_loss.backward()
    opt_c.step()

# An adversarial example made in eval mode (autograd.grad), then training in train mode.
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    model.eval()
    x_adv = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y), x_adv)
    x_adv = (x + 0.1 * g.sign()).detach()
    model.train()
    loss = F.cross_entropy(model(x_adv), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# A target network (BYOL, mean teacher) in train mode under no_grad: no optimizer trains it.
target = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
for _ in range(2):
    with torch.no_grad():
        goal = target(x).softmax(1)
    loss = F.cross_entropy(model(x), goal)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# Monte Carlo dropout: eval mode, dropout layers switched back on, under no_grad.
model.eval()
for layer in model.modules():
    if isinstance(layer, nn.Dropout):
        layer.train()
with torch.no_grad():
    samples = torch.stack([model(x).softmax(1) for _ in range(5)])
print(f"{samples.std(0).mean().item():.4f}")
