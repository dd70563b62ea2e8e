# Comprehensions inside the loop: the minibatches' losses made in one list comprehension, an update
# written as a dict comprehension, and a nested comprehension that only logs,
# and a training step called from a nested comprehension. On Python 3.12 a list,
# dict or set comprehension runs inside the loop's own frame (PEP 709).
import torch

torch.manual_seed(0)
x = torch.randn(12, 2)
y = x @ torch.tensor([[1.0], [-2.0]]) + 0.5
batches = [(x[i : i + 4], y[i : i + 4]) for i in range(0, 12, 4)]
model = torch.nn.Linear(2, 1)
loss_fn = torch.nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
params = {"w": torch.zeros(2, 1, requires_grad=True), "b": torch.zeros(1, requires_grad=True)}

for epoch in range(2):
    losses = [loss_fn(model(xb), yb) for xb, yb in batches]
    loss = sum(losses) / len(losses)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    table = [[a * b for b in range(3)] for a in range(1, 3)]

for epoch in range(2):
    pred = x @ params["w"] + params["b"]
    by_hand = ((pred - y) ** 2).mean()
    grads = torch.autograd.grad(by_hand, list(params.values()))
    pairs = zip(params.items(), grads)
    params = {k: (p - 0.1 * g).detach().requires_grad_() for (k, p), g in pairs}



def train_step(scale, repeat):
    loss = loss_fn(model(x), y) * scale
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


results = [[train_step(scale, repeat) for repeat in range(2)] for scale in (1.0, 0.5)]
print("table", table, "keys", sorted(params), "results", len(results))
