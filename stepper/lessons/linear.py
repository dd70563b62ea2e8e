"""Fit a straight line, y = 2x + 1, with one weight and one bias.

The smallest training loop there is: 100 noisy points, nn.Linear(1, 1), mean squared error and plain
SGD. Watch the weight climb towards 2 and the bias towards 1 while the loss falls to about 0.01 (the
noise we added).
"""

import torch
from torch import nn

torch.manual_seed(0)  # the same "random" noise and starting weights on every run, for everyone
x = torch.linspace(-1, 1, 100).unsqueeze(1)  # shape [100, 1]: 100 examples, 1 feature each
y = 2 * x + 1 + 0.1 * torch.randn(100, 1)  # the line y = 2x + 1, with a little noise on each y

model = nn.Linear(1, 1)  # y_hat = weight * x + bias, both start random
loss_fn = nn.MSELoss()  # the mean of (y_hat - y)^2 over the 100 points
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(100):
    preds = model(x)  # forward: guess
    loss = loss_fn(preds, y)  # loss: how wrong?
    optimizer.zero_grad()  # clear old gradients
    loss.backward()  # backward: compute the nudge
    optimizer.step()  # step: apply the nudge

print(f"loss {loss.item():.4f}  weight {model.weight.item():.3f}  bias {model.bias.item():.3f}")
