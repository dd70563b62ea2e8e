"""Wrong loss: MSE on class labels instead of CrossEntropyLoss.

Three classes of 2-D points lie in a row: class 1 on the left, class 0 in the middle, class 2 on the
right. Two models learn them, one after the other. The first has one output and learns the label as a
number (0, 1 or 2) with MSELoss. No straight line puts 0 between 1 and 2, so its loss stalls at about
0.5 within ten steps: it ends up predicting roughly 1, the average label, almost everywhere, and only a
third of the points come out right. The second has one score per class and learns with
CrossEntropyLoss: its loss starts near 1.1 (ln 3, a blind guess among three) and keeps falling, and the
accuracy printed at the end is about 95%. Class labels are names, not amounts.
"""

import torch
from torch import nn

torch.manual_seed(0)

# 50 points per class: class 1 left, 0 middle, 2 right.
centres = torch.tensor([[0.0, 0.0], [-1.5, 0.0], [1.5, 0.0]])
labels = torch.arange(3).repeat_interleave(50)  # 0s, 1s, 2s
x = centres[labels] + 0.4 * torch.randn(150, 2)

# 1. Wrong: one output, MSE against the label as a number.
number_model = nn.Linear(2, 1)
targets = labels.float().unsqueeze(1)  # [150, 1]: 0., 1., 2.
optimizer = torch.optim.SGD(number_model.parameters(), lr=0.5)
for epoch in range(50):
    preds = number_model(x)
    loss = nn.functional.mse_loss(preds, targets)  # stalls
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
guess = number_model(x).detach().round().clamp(0, 2).squeeze(1)
accuracy = (guess == labels).float().mean()
print(f"MSE: loss {loss.item():.3f}, accuracy {accuracy:.0%}")

# 2. Right: a score per class, cross-entropy on the index.
class_model = nn.Linear(2, 3)
optimizer = torch.optim.SGD(class_model.parameters(), lr=0.5)
for epoch in range(50):
    scores = class_model(x)  # [150, 3]
    loss = nn.functional.cross_entropy(scores, labels)  # falls
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
accuracy = (class_model(x).argmax(1) == labels).float().mean()
print(f"cross-entropy: loss {loss.item():.3f}, accuracy {accuracy:.0%}")
