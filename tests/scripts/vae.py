"""A variational autoencoder as the PyTorch examples write one: the model returns the reconstruction
with the mean and log-variance of its code, and the loss adds a reconstruction term (the images) to
a KL term (the code). Nothing of different shapes is compared."""

import torch
import torch.nn.functional as F
from torch import nn


class VAE(nn.Module):
    def __init__(self, features=20, code=4):
        super().__init__()
        self.encode = nn.Linear(features, 2 * code)
        self.decode = nn.Linear(code, features)

    def forward(self, x):
        mu, logvar = self.encode(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return torch.sigmoid(self.decode(z)), mu, logvar


def loss_function(recon, x, mu, logvar):
    reconstruction = F.binary_cross_entropy(recon, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return reconstruction + kl


torch.manual_seed(0)
model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
images = torch.rand(16, 20)

for epoch in range(2):
    recon, mu, logvar = model(images)
    loss = loss_function(recon, images, mu, logvar)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
