"""Learning rate too high: the loss explodes to inf, then nan.

The line fit from `linear` with lr=3.0 instead of 0.1. Step pause by step pause, watch the bias: it
jumps past 1 to the other side, and each swing is bigger than the last because the step is larger than
the gradient can justify. The loss grows about 25 times per step, passes float32's largest number
(about 3.4e38) and shows inf from step 27. The parameters are still finite then; at step 56 the
bias overflows to -inf too, and one step later inf - inf gives nan, which spreads to the weight, the
gradients and the loss. For this data any lr above 1.0 diverges; with inputs ten times bigger, even 0.1
would.
"""

import torch
from torch import nn

torch.manual_seed(0)

# The same data as `linear`: y = 2x + 1, plus noise.
x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
# lr=3.0: thirty times `linear`'s 0.1.
optimizer = torch.optim.SGD(model.parameters(), lr=3.0)

for epoch in range(60):
    preds = model(x)
    loss = loss_fn(preds, y)  # grows instead of shrinking
    optimizer.zero_grad()
    loss.backward()  # bigger each time, flipping sign
    optimizer.step()  # old - 3.0 * grad: overshoots

w, b = model.weight.item(), model.bias.item()
print(f"loss {loss.item():.4f}  weight {w:.3f}  bias {b:.3f}")
