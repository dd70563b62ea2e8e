"""(g) Gradient accumulation (two backward passes per update) and a learning-rate scheduler."""

import torch
from torch import nn

torch.manual_seed(0)
chunks_x = torch.randn(4, 3, 2)
chunks_y = torch.randn(4, 3, 1)

model = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
accumulate = 2

optimizer.zero_grad()
for epoch in range(2):
    for i in range(4):
        preds = model(chunks_x[i])
        loss = loss_fn(preds, chunks_y[i]) / accumulate
        loss.backward()
        if (i + 1) % accumulate == 0:
            optimizer.step()
            optimizer.zero_grad()
    scheduler.step()
