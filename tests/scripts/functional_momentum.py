"""(d) A functional loss, zero_grad(set_to_none=False) and SGD with momentum."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(12, 4)
labels = torch.randint(0, 3, (12,))

model = nn.Linear(4, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

for epoch in range(3):
    optimizer.zero_grad(set_to_none=False)
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    optimizer.step()
