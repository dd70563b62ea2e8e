"""Optimising the input instead of the model (feature visualisation, style transfer): a frozen model,
and an image that takes gradients, updated by Adam, or by hand with `python optimise_the_input.py
by-hand`. The image is what trains: it is the parameter here, although it goes in as the model's input."""

import sys

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
model.requires_grad_(False)
image = torch.zeros(1, 4, requires_grad=True)
by_hand = sys.argv[1:] == ["by-hand"]
optimizer = None if by_hand else torch.optim.Adam([image], lr=0.1)

for it in range(3):
    score = model(image)[0, 1]
    if by_hand:
        score.backward()
        with torch.no_grad():
            image += 0.1 * image.grad
            image.grad.zero_()
    else:
        loss = -score
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
