"""MNIST networks: two hidden layers of 300 units. Each network answers both call styles of
the editions: ``enc(x)`` / ``enc.encode(x)``, ``dec(z)`` / ``dec.decode(z)``,
``cls(x)`` / ``cls.classify(x)``."""
import torch
from torch import nn

from codebase import utils as ut


class Encoder(nn.Module):
    """[x, y] (N, 784 + y_dim) → (m, v) of q(z | x, y), each (N, z_dim)."""

    def __init__(self, z_dim, y_dim=0):
        super().__init__()
        self.z_dim, self.y_dim = z_dim, y_dim
        self.net = nn.Sequential(nn.Linear(784 + y_dim, 300), nn.ELU(), nn.Linear(300, 300), nn.ELU(),
                                 nn.Linear(300, 2 * z_dim))

    def forward(self, x, y=None):
        xy = x if y is None else torch.cat((x, y), dim=1)
        return ut.gaussian_parameters(self.net(xy), dim=1)

    def encode(self, x, y=None):
        return self(x, y)


class Decoder(nn.Module):
    """[z, y] (N, z_dim + y_dim) → Bernoulli logits of the pixels (N, 784)."""

    def __init__(self, z_dim, y_dim=0):
        super().__init__()
        self.z_dim, self.y_dim = z_dim, y_dim
        self.net = nn.Sequential(nn.Linear(z_dim + y_dim, 300), nn.ELU(), nn.Linear(300, 300), nn.ELU(),
                                 nn.Linear(300, 784))

    def forward(self, z, y=None):
        zy = z if y is None else torch.cat((z, y), dim=1)
        return self.net(zy)

    def decode(self, z, y=None):
        return self(z, y)


class Classifier(nn.Module):
    """x (N, 784) → logits of the label (N, y_dim)."""

    def __init__(self, y_dim):
        super().__init__()
        self.y_dim = y_dim
        self.net = nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 300), nn.ReLU(),
                                 nn.Linear(300, y_dim))

    def forward(self, x):
        return self.net(x)

    def classify(self, x):
        return self(x)
