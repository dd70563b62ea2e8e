# The minibatches' predictions gathered in a list comprehension over a DataLoader, whose iterator is
# written in Python and ends the comprehension's loop with StopIteration; an evaluation likewise.
import torch
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
data = TensorDataset(torch.randn(40, 4), torch.randn(40, 1))
loader = DataLoader(data, batch_size=20)
model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    preds = [model(xb) for xb, yb in loader]
    loss = torch.nn.functional.mse_loss(torch.cat(preds), data.tensors[1])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        checked = [model(xb) for xb, yb in loader]
