"""Adversarial training with PGD: a few attack steps on the input before each training step. By
default the attack is a perturbation `delta` added to the batch (`model(x + delta)`), updated through
`.data`; `python pgd_training.py in-place` attacks a copy of the batch in place instead. Either way the
attack moves data, not the model: one training step per batch."""

import sys

import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(32, 6)
y = (x[:, 0] > 0).long()
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()
in_place = sys.argv[1:] == ["in-place"]
eps, alpha = 0.1, 0.04

for epoch in range(4):
    if in_place:
        x_adv = x.clone().requires_grad_(True)
        for _ in range(3):
            attack = loss_fn(model(x_adv), y)
            attack.backward()
            x_adv.data += alpha * x_adv.grad.sign()
            x_adv.data = torch.max(torch.min(x_adv.data, x + eps), x - eps)
            x_adv.grad.zero_()
        batch = x_adv.detach()
    else:
        delta = torch.zeros_like(x, requires_grad=True)
        for _ in range(3):
            attack = loss_fn(model(x + delta), y)
            attack.backward()
            delta.data = (delta + alpha * delta.grad.sign()).clamp(-eps, eps)
            delta.grad.zero_()
        batch = x + delta.detach()
    loss = loss_fn(model(batch), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
