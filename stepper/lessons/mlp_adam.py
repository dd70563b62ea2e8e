"""A small MLP trained with Adam fits a curve a line cannot.

The target is a sine wave, y = sin(x), so `linear`'s one weight and one bias cannot do it. Two hidden
layers of 16 units with Tanh between them can bend. The optimizer is Adam, which keeps a running average
of each parameter's gradient and of its square, and scales every update by them. Look at the very first
step pause: every entry of model.0.weight moved by exactly 0.02, the lr, up or down (the two ends of its
range show it), whatever the size of its gradient, because on step one Adam's update is lr times the
gradient's sign. Later steps shrink where a gradient keeps changing sign and stay near lr where it is
steady. The loss falls from about 0.5 to about 0.01, the noise we added.
"""

import torch
from torch import nn

torch.manual_seed(0)

x = torch.linspace(-3, 3, 100).unsqueeze(1)
y = torch.sin(x) + 0.1 * torch.randn(100, 1)  # a wave

model = nn.Sequential(
    nn.Linear(1, 16),  # model.0: 1 -> 16 hidden
    nn.Tanh(),  # the bend; Linears alone stay a line
    nn.Linear(16, 16),  # model.2
    nn.Tanh(),
    nn.Linear(16, 1),  # model.4: 16 -> 1 output
)
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)

for epoch in range(100):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()  # grads of all sizes...
    # ...yet on the first step every parameter moves
    # by exactly lr = 0.02, up or down.
    optimizer.step()

print(f"loss {loss.item():.4f}")
