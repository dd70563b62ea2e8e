"""Mini-batches: a DataLoader feeds the loop 20 examples a step.

The line fit from `linear`, but each step sees one shuffled batch of 20 points, so one pass over the
data (an epoch) is 5 steps, and 20 epochs are 100 steps. Watch the step counter and the loss: each loss
is measured on a different batch, so it jumps up and down from one step to the next even while the
trend goes down. The weight and bias still end near 2 and 1, after 100 steps that together touched the
data only 20 times; `linear` went through all 100 points for each of its 100 steps. shuffle=True deals
the points into new batches every epoch.
"""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

x = torch.linspace(-1, 1, 100).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)
dataset = TensorDataset(x, y)  # dataset[i] = (x[i], y[i])
# 5 batches of 20 per epoch, dealt in a new order each time.
loader = DataLoader(dataset, batch_size=20, shuffle=True)

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(20):
    for xb, yb in loader:  # xb, yb: [20, 1] each
        preds = model(xb)
        loss = loss_fn(preds, yb)  # these 20 only
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()  # 5 steps per epoch

w, b = model.weight.item(), model.bias.item()
print(f"loss {loss.item():.4f}  weight {w:.3f}  bias {b:.3f}")
