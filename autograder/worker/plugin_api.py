"""What a course plugin's operations get of the engine: ``session.api``, the namespace API
below and nothing else (docs/api.md, "Worker plugins"). A plugin imports only torch; the
engine's helpers reach it through this object."""
import dataclasses
from collections.abc import Callable

import torch
from torch.nn.utils import parametrize

from .optimizers import PlainAdam, PlainSGD


def set_parameter(module, name, value):
    """Store ``value`` as ``module``'s parameter ``name``, the tensor its forward transforms
    (masks): directly for a plain parameter; for one registered with
    torch.nn.utils.parametrize, through the parametrization's right_inverse, or into its
    original when it defines none."""
    with torch.no_grad():
        if not parametrize.is_parametrized(module, name):
            getattr(module, name).copy_(value)
            return
        try:
            setattr(module, name, value)
        except (RuntimeError, NotImplementedError):  # no right_inverse
            module.parametrizations[name].original.copy_(value)


@dataclasses.dataclass(frozen=True)
class PluginAPI:
    """The engine's helpers for a plugin's operations, as ``session.api``."""
    set_parameter: Callable  # set_parameter(module, name, tensor): store a parameter, a parametrized one too
    PlainSGD: type  # PlainSGD(params, lr): torch.optim.SGD's update, without its import cost
    PlainAdam: type  # PlainAdam(params, lr, betas=(0.9, 0.999), eps=1e-8): torch.optim.Adam's


API = PluginAPI(set_parameter=set_parameter, PlainSGD=PlainSGD, PlainAdam=PlainAdam)
