"""Inputs for one test, drawn from the submission's secret seed and the test's id.

The seed never leaves the trusted process; the worker sees only the inputs of the call
at hand. Deriving each test's stream from its id keeps the inputs independent of test
order, so rerunning one test with the same seed reproduces it exactly.
"""
import hashlib
import math

import torch


class Draw:
    """The ``draw`` fixture. Every method draws the next values of this test's stream
    (``generator``, a torch.Generator, for draws of your own: ``torch.randperm(n,
    generator=draw.generator)``)."""

    def __init__(self, secret_seed, test_id):
        self.secret_seed, self.test_id = secret_seed, test_id
        self.generator = torch.Generator().manual_seed(self._seed(f"{secret_seed}:{test_id}"))

    @staticmethod
    def _seed(label):
        return int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "little") >> 1

    def begin(self, part):
        """Restart the stream for ``part`` (a label unique in the test): a part's inputs do not
        depend on how far the parts before it got, so the student kit's recorded calls are
        the ones it makes whatever failed before."""
        self.generator.manual_seed(self._seed(f"{self.secret_seed}:{self.test_id}:{part}"))

    def normal(self, *shape, scale=1.0, dtype=torch.float32):
        """N(0, scale²) entries of ``shape``."""
        return (torch.randn(*shape, generator=self.generator, dtype=torch.float64) * scale).to(dtype)

    def uniform(self, *shape, low=0.0, high=1.0, dtype=torch.float32):
        """U(low, high) entries of ``shape`` (U(0, 1) by default)."""
        return (low + (high - low) * torch.rand(*shape, generator=self.generator, dtype=torch.float64)).to(dtype)

    def binary(self, *shape, dtype=torch.float32):
        """Entries 0 or 1, each with probability 1/2."""
        return (torch.rand(*shape, generator=self.generator) < 0.5).to(dtype)

    def simplex(self, *shape, dtype=torch.float32):
        """Probability vectors along the last dimension (softmax of N(0, 1.5²) logits)."""
        return torch.softmax(self.normal(*shape, scale=1.5, dtype=torch.float64), -1).to(dtype)

    def linear(self, fan_in, fan_out):
        """(weight (fan_out, fan_in), bias (fan_out,)) drawn as nn.Linear initialises them:
        U(−1/√fan_in, 1/√fan_in)."""
        bound = 1 / math.sqrt(fan_in)
        return (self.uniform(fan_out, fan_in, low=-bound, high=bound),
                self.uniform(fan_out, low=-bound, high=bound))

    def seed(self):
        """A seed for a call that draws its own noise (``run_student(..., seed=draw.seed())``)."""
        return int(torch.randint(0, 2**31 - 1, (), generator=self.generator))

    def integers(self, low, high):
        """One integer in [low, high)."""
        return int(torch.randint(low, high, (), generator=self.generator))
