"""An encoder and a decoder, each with its own optimizer, trained from one loss (the layout of the
PyTorch seq2seq tutorial): the two steps after one backward are one update of the model."""

import torch
from torch import nn

torch.manual_seed(0)
encoder, decoder = nn.Linear(3, 4), nn.Linear(4, 1)
encoder_optimizer = torch.optim.SGD(encoder.parameters(), lr=0.1)
decoder_optimizer = torch.optim.SGD(decoder.parameters(), lr=0.1)
scheduler = torch.optim.lr_scheduler.StepLR(decoder_optimizer, step_size=1, gamma=0.5)
x, y = torch.randn(8, 3), torch.randn(8, 1)

for epoch in range(3):
    encoder_optimizer.zero_grad()
    decoder_optimizer.zero_grad()
    code = encoder(x)
    loss = nn.functional.mse_loss(decoder(code), y)
    loss.backward()
    encoder_optimizer.step()
    decoder_optimizer.step()
    scheduler.step()
