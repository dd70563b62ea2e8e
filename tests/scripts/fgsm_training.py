"""Adversarial training with FGSM: a backward from the loss on an input that takes gradients gives the
input's gradient (the parameters' .grad fill too, and add to the last update's, as a by-product);
zero_grad throws those away before the real training backward on the perturbed batch.

`python fgsm_training.py no-zero-grad` leaves that zero_grad out: the update then uses the last
iteration's gradients, the attack's and its own, all added up."""

import sys

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(32, 4)
y = (x[:, 0] + x[:, 1] > 0).long()
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
epsilon = 0.1
clear = sys.argv[1:] != ["no-zero-grad"]

for epoch in range(3):
    x_adv = x.clone()
    x_adv.requires_grad_(True)
    loss_adv = loss_fn(model(x_adv), y)
    loss_adv.backward()
    x_adv = (x + epsilon * x_adv.grad.sign()).detach()
    if clear:
        optimizer.zero_grad()
    loss = loss_fn(model(x_adv), y)
    loss.backward()
    optimizer.step()
