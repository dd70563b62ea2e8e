# The script changes folder before training (to where its data is, say).
import os

import torch

os.chdir(os.environ["STEPPER_TEST_SCRIPT_DIR"])
x = torch.randn(8, 1)
y = 2 * x + 1
model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(2):
    loss = torch.nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
