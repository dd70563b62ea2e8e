"""Prints from threads the script starts: a thread, a thread that thread starts, a thread pool's
workers, each joined before the script goes on, so the order is known."""

import threading
from concurrent.futures import ThreadPoolExecutor

import torch
from torch import nn


def grandchild():
    print("from-grandchild", flush=True)


def child():
    print("from-thread", flush=True)
    inner = threading.Thread(target=grandchild)
    inner.start()
    inner.join()


print("main-before")
thread = threading.Thread(target=child)
thread.start()
thread.join()
with ThreadPoolExecutor(max_workers=2) as pool:
    list(pool.map(lambda i: print(f"from-pool-{i}"), range(2)))
print("main-after")

torch.manual_seed(0)
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 1)
y = 2 * x + 1
for epoch in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    ticker = threading.Thread(target=print, args=(f"tick-{epoch}",))
    ticker.start()
    ticker.join()
