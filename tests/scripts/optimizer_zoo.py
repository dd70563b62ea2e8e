"""One small regression trained by the optimizer named on the command line (default: SGD with
Nesterov momentum and weight decay): the explanations work each one's update out by hand."""

import sys

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(2, 1)
params = model.parameters()
OPTIMIZERS = {
    "nesterov": lambda: torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "weight_decay": lambda: torch.optim.SGD(params, lr=0.1, weight_decay=0.5),
    "dampening": lambda: torch.optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.5),
    "maximize": lambda: torch.optim.SGD(params, lr=0.01, maximize=True),
    "adam_l2": lambda: torch.optim.Adam(params, lr=0.1, weight_decay=0.5),
    "adamw": lambda: torch.optim.AdamW(params, lr=0.1, weight_decay=0.5),
    "rmsprop": lambda: torch.optim.RMSprop(params, lr=0.01, weight_decay=0.1),
    "adagrad": lambda: torch.optim.Adagrad(params, lr=0.1),
    # fine-tuning's usual set-up: a small lr (and decay) for one part, the default for the rest
    "groups": lambda: torch.optim.SGD(
        [{"params": [model.weight], "lr": 0.01, "weight_decay": 0.1}, {"params": [model.bias]}], lr=0.5
    ),
}
kind = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in OPTIMIZERS else "nesterov"
optimizer = OPTIMIZERS[kind]()
x, y = torch.randn(8, 2), torch.randn(8, 1)

for epoch in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
