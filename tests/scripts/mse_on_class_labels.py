"""A learner's own classifier trained with MSELoss on class labels: one output per example, labels 0-3."""

import torch
from torch import nn

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 16)
        self.out = nn.Linear(16, 1)  # one number per example: the "class"

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


# Four blobs of points; labels 0, 1, 2, 3 as a long tensor, as a dataset gives them.
centres = torch.tensor([[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]])
labels = torch.randint(0, 4, (128,))
points = centres[labels] + 0.5 * torch.randn(128, 2)

net = Net()
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
for epoch in range(2):
    for start in range(0, 128, 32):
        batch_x, batch_y = points[start : start + 32], labels[start : start + 32]
        outputs = net(batch_x)
        loss = criterion(outputs.squeeze(1), batch_y.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
print(f"{loss.item():.4f}")
