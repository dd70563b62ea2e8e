"""Knowledge distillation: a frozen teacher, in eval mode and called under torch.no_grad(), gives the
targets a student learns to match."""

import torch
from torch import nn

torch.manual_seed(0)
teacher = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.2))
teacher.requires_grad_(False)
teacher.eval()
student = nn.Linear(4, 4)
optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
x = torch.randn(8, 4)

for epoch in range(2):
    with torch.no_grad():
        targets = teacher(x)
    loss = nn.functional.mse_loss(student(x), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
