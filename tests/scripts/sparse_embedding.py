"""Word vectors with sparse gradients, as word2vec-style tutorials train them: `nn.Embedding(...,
sparse=True)` gives a sparse `.grad` that holds only the rows the batch used; plain SGD takes it."""

import torch
from torch import nn

torch.manual_seed(0)
vectors = nn.Embedding(6, 2, sparse=True)
optimizer = torch.optim.SGD(vectors.parameters(), lr=0.5)
words = torch.tensor([1, 3, 3])

for epoch in range(2):
    optimizer.zero_grad()
    loss = vectors(words).pow(2).mean()
    loss.backward()
    optimizer.step()
