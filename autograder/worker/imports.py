"""How the worker imports a submission: under the names a course's editions use (Aliases),
with inert stand-ins for the packages not installed here (StandIns) and for the student's
own modules whose import raises (OwnModules), in the order the homework's own entry points
import, and leaving nothing half-imported behind (import_in_order)."""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys


class Aliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``alias.x`` as the very module ``package.x`` (one module object under both
    names), for editions of a course that import the student package by another name."""

    def __init__(self, aliases):
        self.aliases = aliases  # alias -> package

    def find_spec(self, name, path=None, target=None):
        head, dot, rest = name.partition(".")
        if head not in self.aliases:
            return None
        return importlib.util.spec_from_loader(name, self, origin=self.aliases[head] + dot + rest)

    def create_module(self, spec):
        return importlib.import_module(spec.origin)

    def exec_module(self, module):
        """The real module ran when it was imported under its own name."""


class StandIn:
    """Any attribute of a stand-in module: importable, subscriptable and attribute-able, so
    that module-level code such as ``transforms.Compose([...])`` in a decorator or a default
    argument still imports; calling it raises, saying ``why`` the module is a stand-in."""

    def __init__(self, name, why=None):
        self._name = name
        self._why = why or (f"{name.partition('.')[0]} is not installed here, and the graded functions must not "
                            "load data, plot or use that package")

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return StandIn(f"{self._name}.{attribute}", self._why)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{self._name} is not available while grading: {self._why}")


def make_inert(module, why=None):
    """Turn ``module`` into a stand-in: every attribute it does not hold is a StandIn."""
    module.__getattr__ = lambda attribute: getattr(StandIn(module.__name__, why), attribute)


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``names`` (and their submodules) as inert stand-ins, for modules students
    import only to load data or plot. With ``auto``, any other top-level module that nothing
    else can import becomes one too (an import kept from an old starter code), but
    never a name in ``real`` (the student's package, the engine's) or of the standard library.
    Placed last on sys.meta_path, so an installed module always wins. ``used`` lists the
    top-level names stood in for, in order."""

    def __init__(self, names=(), auto=False, real=(), stage=None):
        self.names, self.auto, self.real, self.stage = set(names), auto, set(real), stage
        self.used = []

    def find_spec(self, name, path=None, target=None):
        head = name.partition(".")[0]
        automatic = self.auto and name == head and head not in self.real \
            and head not in sys.stdlib_module_names and self._imported_by_the_submission()
        if head not in self.names and not automatic:
            return None
        self.names.add(head)
        if head not in self.used:
            self.used.append(head)
        return importlib.util.spec_from_loader(name, self, is_package=True)

    def _imported_by_the_submission(self):
        """Whether the import statement is in a file of the submission (under ``stage``): a
        library's optional import (``try: import gmpy2``) must keep failing as it expects."""
        frame = sys._getframe(2)
        while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
            frame = frame.f_back
        return frame is not None and self.stage is not None and frame.f_code.co_filename.startswith(self.stage)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__path__ = []
        make_inert(module)


def circular(exc):
    """Whether ``exc`` is Python's circular-import failure (a name read from a module still
    being initialised): the order of the imports is at fault, not the code."""
    return isinstance(exc, (ImportError, AttributeError)) and "(most likely due to a circular import)" in str(exc)


def circle_of(exc):
    """The modules to import first after the circular-import failure ``exc``: the one whose
    code read the name (imported first, it lets the other finish before reading), then the
    one still being initialised, which the message names."""
    frame = exc.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    named = re.search(r"partially initialized module '([\w.]+)'", str(exc))
    return [m for m in (frame.tb_frame.f_globals.get("__name__"), named and named.group(1)) if m]


def import_cleanly(name, folder=None):
    """importlib.import_module, except that a failed import leaves nothing behind: every
    module it added to sys.modules from a file under ``folder`` (the submission's; without
    one, every module) is removed, with its binding in its parent package, so that no later
    import reads a module that stopped half-way, nor one holding such a module. A library it
    imported whole stays: some cannot load twice in a process."""
    before = set(sys.modules)
    try:
        return importlib.import_module(name)
    except BaseException:
        for added in set(sys.modules) - before:
            if folder is None or str(getattr(sys.modules[added], "__file__", None) or "").startswith(folder):
                _forget(added)
        raise


def _forget(name):
    """Remove a module from sys.modules and from its parent package's attributes."""
    module = sys.modules.pop(name)
    parent, _, child = name.rpartition(".")
    bound = getattr(sys.modules.get(parent), "__dict__", {})
    if child in bound and bound[child] is module:
        del bound[child]


def import_in_order(name, first=(), folder=None):
    """Import ``name`` the way a homework's own entry points do: the modules ``first``, then
    ``name``; after a circular-import failure, again with the modules of the circle first (a
    model file asked for before the utils module that imports it at its top). A failure of a
    module imported first is that of ``name`` too, if it matters: ``name`` raises it. Each
    attempt is import_cleanly's (``folder``)."""
    for module in first:
        _quietly(module, folder)
    tried = set()
    while True:
        try:
            return import_cleanly(name, folder)
        except (ImportError, AttributeError) as exc:
            again = [m for m in circle_of(exc) if m not in tried] if circular(exc) else []
            if not again:
                raise
            tried.update(again)
            for module in again:
                _quietly(module, folder)


def _quietly(name, folder):
    try:
        import_cleanly(name, folder)
    except BaseException:  # noqa: B036 - student code may raise anything; the module asked for says what
        pass


class OwnModules(importlib.abc.MetaPathFinder):
    """The student's own modules (``names``: not graded, such as a debug helper or a bonus
    model) whose import raises become inert stand-ins, as an uninstalled package does: a helper
    that opens a file the upload lacks costs only a graded function that calls into it. A
    circular-import failure is the import order's, not the module's: it propagates, for
    import_in_order to import the circle otherwise. Placed first on sys.meta_path."""

    def __init__(self, names, stage):
        self.names, self.stage = set(names), stage
        self._failed = {}  # name -> (its module, the exception of its import)

    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path) if name in self.names else None
        if spec is not None and spec.loader is not None:
            spec.loader = _Guarded(spec.loader, self)
        return spec

    def stand_in(self, module, exc):
        """Empty ``module`` (its dunders stay) and make it inert, its calls naming the failure."""
        for attribute in [a for a in vars(module) if not a.startswith("__")]:
            delattr(module, attribute)
        make_inert(module, f"{self.file(module)} raised {type(exc).__name__} when it was imported, so a stand-in "
                           "replaced it")
        self._failed[module.__name__] = (module, exc)

    def file(self, module):
        """The module's file, relative to the submission's folder."""
        return os.path.relpath(module.__file__, self.stage)

    def failed(self):
        """[(the file, the exception)] of the stand-ins still imported (an import that failed
        as a whole took its own away)."""
        return [(self.file(module), exc) for name, (module, exc) in sorted(self._failed.items())
                if sys.modules.get(name) is module]


class _Guarded(importlib.abc.Loader):
    """A student module's loader, whose failure (other than a circular import's) makes the
    module a stand-in instead of failing the import."""

    def __init__(self, loader, finder):
        self.loader, self.finder = loader, finder

    def __getattr__(self, attribute):  # get_source and the like, for tracebacks
        return getattr(self.loader, attribute)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        try:
            self.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            if circular(exc):
                raise
            self.finder.stand_in(module, exc)
