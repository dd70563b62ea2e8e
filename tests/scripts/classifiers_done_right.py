"""Two classifiers with the right losses: CrossEntropyLoss on class indices, and MSE on one-hot
targets with one output per class (an older, milder choice with no false order between classes)."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, classes: int):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, classes))

    def forward(self, x):
        return self.layers(x)


x = torch.randn(96, 4)
labels = torch.randint(0, 5, (96,))

model = Classifier(5)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    loss = criterion(model(x), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

one_hot_model = Classifier(5)
optimizer = torch.optim.SGD(one_hot_model.parameters(), lr=0.1)
for epoch in range(2):
    loss = F.mse_loss(torch.sigmoid(one_hot_model(x)), F.one_hot(labels, 5).float())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"{loss.item():.4f}")
