"""A numerically stable log-sigmoid."""
import torch
import tqdm  # noqa: F401 - an extra package the course lets student code import (course.yaml)


def log_sigmoid(x):
    """log σ(x) = −log(1 + exp(−x)), elementwise, finite for every finite x.

    Uses log σ(x) = min(x, 0) − log(1 + exp(−|x|)), which never exponentiates a positive
    number.

    Args:
        x: tensor of any shape.

    Returns:
        tensor of x's shape, dtype and device.
    """
    raise NotImplementedError("log_sigmoid: not implemented yet")
