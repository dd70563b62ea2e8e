"""After training, save the whole model (not just its state_dict) and load it back: pickle looks
the script's own class up in `__main__`, so the script must really run as `__main__`."""

import io

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, x):
        return self.lin(x)


torch.manual_seed(0)
x = torch.randn(4, 2)
y = torch.randn(4, 1)

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(2):
    preds = model(x)
    loss = nn.functional.mse_loss(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

buffer = io.BytesIO()
torch.save(model, buffer)
buffer.seek(0)
restored = torch.load(buffer, weights_only=False)
print("restored a", type(restored).__name__)
