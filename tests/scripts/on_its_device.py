"""A small MLP trained where the machine has a GPU, on the CPU where it has none: the canonical loop,
with the model and the data moved to `device` as tutorials do."""

import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
x = torch.randn(256, 8, device=device)
y = x[:, :1] * 2 - x[:, 1:2] + 0.1 * torch.randn(256, 1, device=device)
model = nn.Sequential(nn.Linear(8, 96), nn.ReLU(), nn.Linear(96, 1)).to(device)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

for epoch in range(6):
    preds = model(x)
    loss = loss_fn(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f"{device}: loss {loss.item():.4f}")
