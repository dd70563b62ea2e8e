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

# 50 points around each corner of a triangle, one per class.
centres = torch.tensor([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])
labels = torch.arange(3).repeat_interleave(50)  # 0s, 1s, 2s
x = centres[labels] + 0.6 * torch.randn(150, 2)  # [150, 2]

model = nn.Linear(2, 3)  # 2 features in, 3 scores out
# Softmax turns the scores into probabilities; the loss is
# -log(probability given to the right class).
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

for epoch in range(50):
    scores = model(x)  # [150, 3]: raw scores, no softmax
    loss = loss_fn(scores, labels)  # labels: [150]
    optimizer.zero_grad()
    loss.backward()  # bias.grad sums to zero
    optimizer.step()

guess = scores.argmax(dim=1)  # the top score's class
accuracy = (guess == labels).float().mean()
print(f"loss {loss.item():.3f}  accuracy {accuracy:.0%}")
