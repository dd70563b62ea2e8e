"""Four classification losses given the wrong inputs, one update each (and one right, to stay quiet)."""

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
x = torch.randn(16, 4)
labels = (x[:, 0] > 0).long()
model = nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

one_score = nn.Linear(4, 1)  # one score per example, for a yes/no task
loss = nn.CrossEntropyLoss()(one_score(x), labels.float().unsqueeze(1))
loss.backward()

loss = F.cross_entropy(torch.softmax(model(x), dim=1), labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()

one_score = nn.Linear(4, 1)
loss = nn.BCEWithLogitsLoss()(torch.sigmoid(one_score(x)), labels.float().unsqueeze(1))
loss.backward()

loss = F.nll_loss(model(x), labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()

loss = F.nll_loss(F.log_softmax(model(x), dim=1), labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(f"{loss.item():.4f}")
