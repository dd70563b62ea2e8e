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

# 50 noisy points around each centre: class 0 in the middle, class 1 left, class 2 right.
centres = torch.tensor([[0.0, 0.0], [-1.5, 0.0], [1.5, 0.0]])
labels = torch.arange(3).repeat_interleave(50)  # [0, 0, ..., 1, 1, ..., 2, 2, ...]
x = centres[labels] + 0.4 * torch.randn(150, 2)

# 1. Wrong: one output, MSE against the label as a number (targets [150, 1] holding 0., 1., 2.).
number_model = nn.Linear(2, 1)
optimizer = torch.optim.SGD(number_model.parameters(), lr=0.5)
for epoch in range(50):
    preds = number_model(x)
    loss = nn.functional.mse_loss(preds, labels.float().unsqueeze(1))  # watch it stall near 0.5
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
guess = number_model(x).detach().round().clamp(0, 2).squeeze(1)  # nearest whole number = the class
print(f"MSE: loss {loss.item():.3f}, accuracy {(guess == labels).float().mean():.0%}")

# 2. Right: three outputs (a score per class), cross-entropy against the class index (targets [150]).
class_model = nn.Linear(2, 3)
optimizer = torch.optim.SGD(class_model.parameters(), lr=0.5)
for epoch in range(50):
    scores = class_model(x)
    loss = nn.functional.cross_entropy(scores, labels)  # watch it keep falling
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
guess = class_model(x).argmax(1)  # the highest score = the class
print(f"cross-entropy: loss {loss.item():.3f}, accuracy {(guess == labels).float().mean():.0%}")
