# Models that compute the loss themselves, as nanoGPT and Hugging Face models do, and a model that
# returns a dataclass: each forward pauses at its call, with the loss found there.
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


class TinyGPT(nn.Module):  # nanoGPT: forward(idx, targets) returns (logits, loss)
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(3, 4)

    def forward(self, x, targets=None):
        logits = self.head(x)
        loss = None if targets is None else F.cross_entropy(logits, targets)
        return logits, loss


class TinyHF(nn.Module):  # Hugging Face: a dict-like output with the loss first
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(3, 5)

    def forward(self, x, labels):
        logits = self.head(x)
        return {"loss": F.cross_entropy(logits, labels), "logits": logits}


@dataclass
class Output:
    pred: torch.Tensor


class Regressor(nn.Module):  # returns a dataclass; a second one returns only its loss
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return Output(pred=self.fc(x))


class SelfScoring(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x, y):
        return F.mse_loss(self.fc(x), y)


torch.manual_seed(0)
x, labels, y = torch.randn(8, 3), torch.randint(0, 4, (8,)), torch.randn(8, 1)
gpt, hf, reg, scoring = TinyGPT(), TinyHF(), Regressor(), SelfScoring()
opt = torch.optim.SGD([*gpt.parameters(), *hf.parameters(), *reg.parameters(), *scoring.parameters()], lr=0.1)

logits, loss = gpt(x, labels)
opt.zero_grad()
loss.backward()
opt.step()

outputs = hf(x, labels)
loss = outputs["loss"]
opt.zero_grad()
loss.backward()
opt.step()

out = reg(x)
opt.zero_grad()
loss = F.mse_loss(out.pred, y)
loss.backward()
opt.step()

loss = scoring(x, y)
opt.zero_grad()
loss.backward()
opt.step()

# An evaluation that passes the labels, as Hugging Face's does: under no_grad the loss comes back first
# with no gradient, and the forward is the logits' all the same.
hf.eval()
with torch.no_grad():
    evaluated = hf(x, labels)
