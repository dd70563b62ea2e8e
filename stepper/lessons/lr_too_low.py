"""Learning rate too low: the right direction, in tiny steps.

The line fit from `linear` with lr=0.001 instead of 0.1. Each step moves the parameters in the right
direction, but by only a thousandth of the gradient: compare the weight and bias before and after a
step pause and they change in the third decimal place. After 100 steps the loss has only gone from
about 2.6 to about 2.1, and the weight and bias are still far from 2 and 1. Nothing is broken and
nothing warns you; it would just take about a hundred times as many steps.
"""

import torch
from torch import nn

torch.manual_seed(0)

# The same data as `linear`: 100 points on y = 2x + 1 plus a little noise.
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)  # 100 times smaller than `linear`'s

for epoch in range(100):
    preds = model(x)
    loss = loss_fn(preds, y)  # watch how slowly this falls
    optimizer.zero_grad()
    loss.backward()  # the gradients are a healthy size (around -2 for the bias)...
    optimizer.step()  # ...but each step moves a parameter by only 0.001 x its gradient

print(f"loss {loss.item():.4f}  weight {model.weight.item():.3f}  bias {model.bias.item():.3f}")
