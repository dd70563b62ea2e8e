"""Forget optimizer.zero_grad() and the gradients pile up.

PyTorch adds each new gradient to whatever is already in .grad; it never clears it for you. This is
the line fit from `linear` with the zero_grad line left out. Compare .grad after each backward pause
with the one before: in the first iterations the bias gradient grows (about -1.9, -3.5, -4.3) because
every backward adds this iteration's gradient to the sum of all the earlier ones. The steps get too
big, the weight and bias overshoot and swing back, and the loss climbs back above 2 every dozen
or so steps instead of settling near 0.01 as in `linear`.
"""

import torch
from torch import nn

torch.manual_seed(0)

# The same data as `linear`: 100 points on y = 2x + 1 plus a little noise.
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(60):
    preds = model(x)
    loss = loss_fn(preds, y)
    # BUG: optimizer.zero_grad() belongs here. Without it, backward adds to the old .grad.
    loss.backward()  # watch .grad: this iteration's gradient plus all the earlier ones
    optimizer.step()  # so this step uses the sum of every gradient so far

# Put the zero_grad line back and the loss falls to about 0.01, as in `linear`.
print(f"loss {loss.item():.4f}  weight {model.weight.item():.3f}  bias {model.bias.item():.3f}")
