"""Learning rate too low: the right direction, in tiny steps.

The line fit from `linear` with lr=0.001 instead of 0.1. Each step moves the parameters in the right
direction, but by only a thousandth of the gradient: compare the weight and bias before and after a
step pause and they change in the third decimal place. After 100 steps the loss has only gone from
about 2.6 to about 2.1, and the weight and bias are still far from 2 and 1. Nothing is broken and no
error stops it; it would just take about a hundred times as many steps. After a dozen steps stepper
says so (`lr-too-low`): each step barely changed the gradients, so the steps could be far longer.
"""

import torch
from torch import nn

torch.manual_seed(0)

# The same data as `linear`: y = 2x + 1, plus noise.
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
# lr=0.001: a hundredth of `linear`'s 0.1.
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

for epoch in range(100):
    preds = model(x)
    loss = loss_fn(preds, y)  # falls very slowly
    optimizer.zero_grad()
    loss.backward()  # healthy grads: bias's is near -2
    optimizer.step()  # but moves only 0.001 x grad

w, b = model.weight.item(), model.bias.item()
print(f"loss {loss.item():.4f}  weight {w:.3f}  bias {b:.3f}")
