"""REINFORCE as the PyTorch examples write it: the policy picks each action from a categorical
distribution and keeps its log-probability (one value of shape [1] per action); the loss is made from
all of them once the episode is over. A log-probability is not a loss of its own."""

import torch
from torch import nn
from torch.distributions import Categorical

torch.manual_seed(0)
policy = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2), nn.Softmax(dim=1))
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)

for episode in range(2):
    log_probs, rewards = [], []
    for t in range(3):
        state = torch.randn(1, 4)
        probs = policy(state)
        m = Categorical(probs)
        action = m.sample()
        log_probs.append(m.log_prob(action))
        rewards.append(1.0 if action.item() == 0 else 0.0)
    returns = torch.tensor(rewards)
    terms = []
    for log_prob, reward in zip(log_probs, returns):
        terms.append(-log_prob * reward)
    optimizer.zero_grad()
    loss = torch.cat(terms).sum()
    loss.backward()
    optimizer.step()
