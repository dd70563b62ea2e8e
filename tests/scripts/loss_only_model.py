# A model whose forward returns only the loss, given its inputs and the targets: the inputs [8, 3]
# are no predictions to compare with the targets [8, 1].
import torch
import torch.nn.functional as F


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 1)

    def forward(self, x, y):
        return F.mse_loss(self.fc(x), y)


torch.manual_seed(0)
x, y = torch.randn(8, 3), torch.randn(8, 1)
model = Model()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for it in range(2):
    loss = model(x, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
