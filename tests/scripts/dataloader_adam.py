"""(f) Minibatches from a DataLoader, a model class with a several-line forward, and Adam."""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        h = self.hidden(x)
        h = torch.tanh(h)
        return self.out(h)


torch.manual_seed(0)
features = torch.randn(8, 2)
targets = features[:, :1] * 3 - features[:, 1:]
loader = DataLoader(TensorDataset(features, targets), batch_size=4, shuffle=True)

model = TinyNet()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.MSELoss()

for epoch in range(2):
    for xb, yb in loader:
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        optimizer.step()
