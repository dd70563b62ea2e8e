"""Classify points into three classes with CrossEntropyLoss.

150 points in the plane, 50 around each of three centres, and a model that gives each point three
scores (logits), one per class; the highest score is its guess. CrossEntropyLoss applies softmax to the
scores itself (so the model must not) and takes the class index, 0, 1 or 2, as the target. Watch the
loss: it starts at about 0.8 and falls below 0.05 (a model that gave the three classes equal scores
would sit at ln 3 = 1.10). After backward, add up the three numbers in bias.grad: they always sum
to zero, because raising one class's probability must lower the others'. The accuracy is printed at
the end.
"""

import torch
from torch import nn

torch.manual_seed(0)

centres = torch.tensor([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])  # one corner of a triangle per class
labels = torch.arange(3).repeat_interleave(50)  # class indices: 50 zeros, 50 ones, 50 twos
x = centres[labels] + 0.6 * torch.randn(150, 2)  # 150 points, 2 features each

model = nn.Linear(2, 3)  # 2 features in, 3 scores out: one row of weight per class
loss_fn = nn.CrossEntropyLoss()  # softmax over the 3 scores, then -log(probability of the right class)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

for epoch in range(50):
    scores = model(x)  # shape [150, 3]: raw scores, not probabilities
    loss = loss_fn(scores, labels)  # scores [150, 3] against labels [150]
    optimizer.zero_grad()
    loss.backward()  # bias.grad: one number per class, summing to zero
    optimizer.step()

accuracy = (scores.argmax(dim=1) == labels).float().mean()
print(f"loss {loss.item():.3f}  accuracy {accuracy:.0%}")
