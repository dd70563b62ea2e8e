# Predictions made in halves and joined: with torch.cat on the line of the model calls, and inside
# the loss from a list of minibatch outputs. The joined predictions match the targets' shape; the
# last loss compares them with targets of shape [40], a real broadcast.
import torch

torch.manual_seed(0)
x, y = torch.randn(40, 4), torch.randn(40, 1)
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    preds = torch.cat([model(x[:20]), model(x[20:])])
    loss = torch.nn.functional.mse_loss(preds, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    halves = [model(x[:20]), model(x[20:])]
    loss = ((torch.cat(halves) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

preds = torch.cat([model(x[:20]), model(x[20:])])
loss = ((preds - y.squeeze(1)) ** 2).mean()
optimizer.zero_grad()
loss.backward()
