# The loop runs inside exec() of a string: no line of it is traced, so its phases are reported at
# the exec line, and each of its updates still counts.
import torch
from torch import nn

torch.manual_seed(0)
x = torch.randn(8, 1)
y = 2 * x + 1
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
exec(
    "for epoch in range(3):\n"
    "    loss = nn.functional.mse_loss(model(x), y)\n"
    "    optimizer.zero_grad()\n"
    "    loss.backward()\n"
    "    optimizer.step()\n"
)
