"""Layers whose weight is computed by a parametrization (weight_norm, spectral_norm), initialised
with model.apply, and a parametrized weight read into a variable: none of that is a forward."""

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm, weight_norm


def init(module):
    if isinstance(module, nn.Linear):
        nn.init.zeros_(module.bias)


torch.manual_seed(0)
model = nn.Sequential(weight_norm(nn.Linear(3, 4)), nn.ReLU(), spectral_norm(nn.Linear(4, 2)))
model.apply(init)
last_weight = model[2].weight
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
x, labels = torch.randn(6, 3), torch.randint(0, 2, (6,))

for epoch in range(2):
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
