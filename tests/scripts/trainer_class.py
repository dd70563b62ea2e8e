"""The loop inside a small Trainer class: the model and optimizer live on `self`."""

import torch
import torch.nn.functional as F
from torch import nn


class Trainer:
    def __init__(self, model, lr):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def fit(self, x, y, epochs):
        for epoch in range(epochs):
            preds = self.model(x)
            loss = F.mse_loss(preds, y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


torch.manual_seed(0)
inputs = torch.randn(6, 2)
targets = torch.randn(6, 1)
Trainer(nn.Linear(2, 1), lr=0.1).fit(inputs, targets, epochs=2)
