"""The ``grader`` fixture: one check's handle on the submission, the reference and its
own points. It carries what every sub-check needs (the worker, this test's entry of the
assignment file) so that a check names only what it checks."""
import contextlib
import dataclasses

from . import checking
from .parts import Parts


class Grader:
    """One test's handle. ``remote`` calls the submission and the reference; ``spec`` is
    the test's entry of the assignment file (points, tolerances, time limit)."""

    def __init__(self, remote, spec, draw=None):
        self.remote, self.spec, self.parts, self.draw = remote, spec, Parts(), draw
        # per function, for hints that agree across the parts of this test: the offsets
        # named so far, and every (got, want) compared (a result that ignores its inputs)
        self._offsets, self._earlier = {}, {}

    def _hints(self, function, offsets):
        self._offsets.setdefault(function, {}).update(offsets or {})
        return {"offsets": self._offsets[function], "earlier": self._earlier.setdefault(function, {})}

    # points -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def part(self, name, weight=1.0, needs=(), rtol=None, atol=None):
        """A context manager: a part of this test worth ``weight`` (a share of the test's
        points, relative to the other parts' weights), earned when its block raises no
        AssertionError and every part named in ``needs`` is earned too. The test's ``draw``
        starts a stream of the part's own (Draw.begin). ``rtol``, ``atol``: the float32
        tolerance of this part's comparisons, where it differs from the test's (a value
        computed through more steps, a stability case near an overflow)."""
        if self.draw is not None:
            self.draw.begin(f"{self.parts.opened}:{name}")
        test = self.spec
        if rtol is not None or atol is not None:
            self.spec = dataclasses.replace(test, rtol=test.rtol if rtol is None else float(rtol),
                                            atol=test.atol if atol is None else float(atol))
        try:
            with self.parts(name, weight, needs):
                yield
        finally:
            self.spec = test

    # sub-checks ---------------------------------------------------------------------------
    def check(self, function, *args, mistakes=None, offsets=None, what=None, **kwargs):
        """``function`` ("module.name") called on both sides with the same arguments: the
        same values within this test's tolerance, inputs untouched. ``mistakes``: {hint:
        the value a known mistake gives on these inputs}; ``offsets``: {hint: got − want} for
        mistakes off by a known amount (docs/api.md, Hints). Returns the Outcome."""
        return checking.check(self.remote, self.spec, function, *args, mistakes=mistakes, what=what,
                              **self._hints(function, offsets), **kwargs)

    def check_float64(self, function, *args, what=None, mistakes=None, offsets=None, hold_fixed=(), **kwargs):
        """On float64 inputs: the values, and a result that follows a move of the inputs
        below float32's resolution (checking.check_float64). Discrete inputs, and those
        named in ``hold_fixed`` (positions, keywords), are not moved."""
        return checking.check_float64(self.remote, self.spec, function, *args, what=what, mistakes=mistakes,
                                      hold_fixed=hold_fixed, **self._hints(function, offsets), **kwargs)

    def values_and_float64(self, function, *args, mistakes=None, offsets=None, hold_fixed=(), **kwargs):
        """The two parts most checks start with: "values" (weight 2, with hints) on these
        inputs, then "float64" on the same inputs in float64."""
        checking.values_and_float64(self.parts, self.remote, self.spec, function, *args, mistakes=mistakes,
                                    hold_fixed=hold_fixed, **self._hints(function, offsets), **kwargs)

    def check_gradients(self, function, args, names, cotangents, what=None, params=False, **kwargs):
        """Gradients of Σ output·cotangent with respect to the arguments that require them
        (named ``names`` in messages) and, with ``params``, the networks' parameters."""
        return checking.check_gradients(self.remote, self.spec, function, args, names, cotangents, what=what,
                                        params=params, **kwargs)

    def compare_params(self, outcome, dtype, what, nets):
        """The networks' parameters after the submission's step equal the reference's."""
        checking.compare_params(outcome, self.spec, dtype, what, nets)

    def tolerance(self, dtype):
        """{"rtol", "atol"} of this test for ``dtype``."""
        return self.spec.tolerance(dtype)

    # calls --------------------------------------------------------------------------------
    def run(self, function, *args, **kwargs):
        """Both sides' replies (Outcome.got, Outcome.want) to the same call."""
        return self.remote.run(function, *args, **kwargs)

    def run_student(self, function, *args, **kwargs):
        """The submission's reply alone (statistical checks draw their own noise)."""
        return self.remote.run_student(function, *args, **kwargs)

    def run_reference(self, function, *args, **kwargs):
        """The reference's reply alone (for hints and expected laws); never the worker."""
        return self.remote.run_reference(function, *args, **kwargs)

    def student_error(self, function, *args, **kwargs):
        """The error the submission raises on this call as {"type", "message"}, or None."""
        return self.remote.student_error(function, *args, **kwargs)

    def timed(self, what):
        """A context manager counting a block's time under ``what`` in the grader's log."""
        return self.remote.timed(what)
