# The evaluation runs under torch.inference_mode(), as torchvision's reference evaluate() does: its
# predictions are inference tensors, which have no version counter.
import torch

torch.manual_seed(0)
model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 2)
y = torch.randn(8, 1)
for _ in range(2):
    loss = torch.nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.inference_mode():
        out = model(x)
