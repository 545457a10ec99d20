"""torch's compiler (``torch._dynamo``), loaded only when something compiles.

torch wraps some of its own functions in ``torch._disable_dynamo`` so that a compiled
program does not trace into them: an optimizer's ``add_param_group``, ``zero_grad`` and
``state_dict``, and Python kernels that run on the "meta" device. The first call of such a
function imports ``torch._dynamo`` to build that wrapper: about 800 modules, as much CPU
time again as ``import torch`` itself (1.3–1.5 s on a free core). A grading pays it in
every worker whose code makes an optimizer or runs on the meta device, though nothing
there compiles.

``defer()`` puts a stand-in where ``torch._dynamo`` would be. Until something compiles,
``disable`` has nothing to disable, ``graph_break`` nothing to break, and ``is_compiling``
is False. Any other use (``torch.compile``, ``torch._dynamo.config``, ``torch.func``) loads
the real module, which then answers everything, the three above included: a function
wrapped by ``disable`` before that is disabled from then on, as torch wraps it.
"""
import functools
import importlib
import importlib.util
import sys
import types

import torch

NAME = "torch._dynamo"


class Deferred(types.ModuleType):
    """Stands in ``sys.modules`` for ``torch._dynamo`` until something needs the real one."""

    def __init__(self, file):
        super().__init__(NAME)
        # ModuleType keeps its __spec__ None, so `import torch._dynamo` stays cheap; and code
        # that reads every module's __file__ (pytest, inspect.getmodule) reads the real one's
        self.__dict__.update(real=None, __file__=file)

    def load(self):
        """The real ``torch._dynamo``, imported on first use, in this stand-in's place."""
        if self.real is None:
            if sys.modules.get(NAME) is self:
                del sys.modules[NAME]
            if torch.__dict__.get("_dynamo") is self:
                del torch._dynamo
            self.__dict__["real"] = importlib.import_module(NAME)
        return self.real

    def __getattr__(self, name):
        return getattr(self.load(), name)

    def disable(self, fn=None, recursive=True, **options):
        if self.real is not None or not isinstance(fn, (types.FunctionType, types.MethodType, type(None))):
            return self.load().disable(fn, recursive, **options)  # a module or class: as torch does it
        if fn is None:  # used as @disable(recursive=...)
            return lambda f: self.disable(f, recursive, **options)
        disabled = []

        @functools.wraps(fn)
        def call(*args, **kwargs):
            if self.real is None:  # nothing compiles, so nothing to keep out of a compiled program
                return fn(*args, **kwargs)
            if not disabled:
                disabled.append(self.real.disable(fn, recursive, **options))
            return disabled[0](*args, **kwargs)
        return call

    def graph_break(self, *args, **kwargs):
        if self.real is not None:
            return self.real.graph_break(*args, **kwargs)
        return None

    def is_compiling(self):
        return self.real is not None and self.real.is_compiling()


def defer():
    """Stand in for ``torch._dynamo`` in this process, unless it is loaded already."""
    if NAME not in sys.modules:
        sys.modules[NAME] = torch._dynamo = Deferred(importlib.util.find_spec(NAME).origin)
