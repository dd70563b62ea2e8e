"""NLLLoss given raw scores instead of log-probabilities (no log_softmax before it): the loss is just
minus the right class's score, and training drives it below zero, and on down."""

import torch
from torch import nn

torch.manual_seed(0)
x, labels = torch.randn(32, 2), torch.randint(0, 2, (32,))
model = nn.Linear(2, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

for _ in range(6):
    loss = nn.NLLLoss()(model(x), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
