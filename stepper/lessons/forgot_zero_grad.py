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

# The same data as `linear`: y = 2x + 1, plus noise.
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(60):
    preds = model(x)
    loss = loss_fn(preds, y)
    # BUG: optimizer.zero_grad() belongs here.
    loss.backward()  # .grad = old sum + this gradient
    optimizer.step()  # steps by the sum of all grads

# Put zero_grad back and the loss falls to about 0.01.
w, b = model.weight.item(), model.bias.item()
print(f"loss {loss.item():.4f}  weight {w:.3f}  bias {b:.3f}")
