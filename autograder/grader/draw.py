"""Inputs for one test, drawn from the submission's secret seed and the test's id.

The seed never leaves the trusted process; the worker sees only the inputs of the call
at hand. Deriving each test's stream from its id keeps the inputs independent of test
order, so rerunning one test with the same seed reproduces it exactly.
"""
import hashlib

import torch


class Draw:
    def __init__(self, secret_seed, test_id):
        digest = hashlib.sha256(f"{secret_seed}:{test_id}".encode()).digest()
        self.generator = torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") >> 1)

    def normal(self, *shape, scale=1.0, dtype=torch.float32):
        return (torch.randn(*shape, generator=self.generator, dtype=torch.float64) * scale).to(dtype)

    def uniform(self, *shape, low=0.0, high=1.0, dtype=torch.float32):
        return (low + (high - low) * torch.rand(*shape, generator=self.generator, dtype=torch.float64)).to(dtype)

    def binary(self, *shape, dtype=torch.float32):
        return (torch.rand(*shape, generator=self.generator) < 0.5).to(dtype)

    def simplex(self, *shape, dtype=torch.float32):
        return torch.softmax(self.normal(*shape, scale=1.5, dtype=torch.float64), -1).to(dtype)

    def seed(self):
        return int(torch.randint(0, 2**31 - 1, (), generator=self.generator))

    def integers(self, low, high):
        return int(torch.randint(low, high, (), generator=self.generator))
