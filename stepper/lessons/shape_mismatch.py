"""Shape mismatch: [100, 1] against [100] silently broadcasts.

The line fit from `linear`, except that y was built from a flat x of shape [100]. The model's
predictions have shape [100, 1], so `preds - y` broadcasts to a [100, 100] table that compares every
prediction with every target, and the loss is the mean over all 10,000 pairs. PyTorch only prints a
UserWarning and trains happily. Watch the weight: instead of climbing to 2 it sinks towards 0, while the
bias goes to 1 (the mean of y), and the loss stalls near 1.4 rather than 0.01: the best a model can do
when every point is compared with every target is to predict the average.
"""

import torch
from torch import nn

torch.manual_seed(0)

x_flat = torch.linspace(-1, 1, 100)  # shape [100]
y = 2 * x_flat + 1 + 0.1 * torch.randn(100)  # shape [100]
x = x_flat.unsqueeze(1)  # [100, 1]: one row per example
# THE FIX: make y match the predictions' shape:
#   y = y.unsqueeze(1)   (or compare preds.squeeze(1))

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(100):
    preds = model(x)  # shape [100, 1]
    # [100, 1] vs [100] broadcasts to [100, 100]:
    # every prediction minus every target.
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()  # pushes the weight to 0, not 2
    optimizer.step()

print(f"preds {list(preds.shape)}  targets {list(y.shape)}")
print(f"broadcast {list((preds - y).shape)}")
w, b = model.weight.item(), model.bias.item()
print(f"loss {loss.item():.4f}  weight {w:.3f}  bias {b:.3f}")
