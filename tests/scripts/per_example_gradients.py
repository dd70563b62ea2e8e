"""Per-example gradients with torch.func (as DP-SGD tutorials compute them): the loss of one example
is written as a function, `vmap(grad(...))` takes its gradient for every example at once, and the
update is written by hand from their mean. The gradients are values; none reaches `.grad`."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, grad, vmap

torch.manual_seed(0)
model = nn.Linear(3, 1)
x, y = torch.randn(8, 3), torch.randn(8, 1)


def loss_of_one(params, example, target):
    prediction = functional_call(model, params, (example.unsqueeze(0),))
    return F.mse_loss(prediction, target.unsqueeze(0))


for epoch in range(2):
    params = {name: p.detach() for name, p in model.named_parameters()}
    grads = vmap(grad(loss_of_one), in_dims=(None, 0, 0))(params, x, y)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p -= 0.1 * grads[name].mean(0)
    print("epoch", epoch)
