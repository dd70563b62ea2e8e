"""fast.ai book, chapter 4 style: a model function, calc_grad() doing forward/loss/backward, and an
epoch function whose update loop changes `p.data` and zeroes each gradient in turn."""

import torch

torch.manual_seed(0)
train_x = torch.randn(6, 2)
train_y = torch.randn(6, 1)

weights = torch.randn(2, 1).requires_grad_()
bias = torch.zeros(1).requires_grad_()
params = weights, bias
lr = 0.1


def linear1(xb):
    return xb @ weights + bias


def calc_grad(xb, yb, model):
    preds = model(xb)
    loss = ((preds - yb) ** 2).mean()
    loss.backward()


def train_epoch(model, lr, params):
    calc_grad(train_x, train_y, model)
    for p in params:
        p.data -= p.grad * lr
        p.grad.zero_()


for i in range(2):
    train_epoch(linear1, lr, params)
