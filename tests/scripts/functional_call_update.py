"""torch.func style: the parameters live in a dict, the model is called with them by
functional_call, gradients come from torch.autograd.grad, and each update makes a new dict."""

import torch
from torch import nn
from torch.func import functional_call

torch.manual_seed(0)
model = nn.Linear(3, 1)
params = {name: p.detach().clone().requires_grad_(True) for name, p in model.named_parameters()}
x = torch.randn(20, 3)
y = x @ torch.tensor([[1.0], [2.0], [-1.0]])
lr = 0.1

for it in range(3):
    pred = functional_call(model, params, (x,))
    loss = ((pred - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()))
    with torch.no_grad():
        params = {k: (p - lr * g).requires_grad_(True) for (k, p), g in zip(params.items(), grads)}
