"""Partial credit inside one test: named parts, each worth a share of the test's points.

Used with gradescope-utils' ``@partial_credit(1.0)``: ``finish`` reports the fraction of
the weight that passed through ``set_score`` and fails the test, listing what failed,
unless every part passed.
"""
import contextlib


class Parts:
    def __init__(self, set_score):
        self.set_score, self.results = set_score, []

    @contextlib.contextmanager
    def __call__(self, name, weight=1.0):
        try:
            yield
        except AssertionError as exc:
            self.results.append((name, weight, str(exc)))
        else:
            self.results.append((name, weight, None))

    def finish(self):
        total = sum(weight for _, weight, _ in self.results)
        earned = sum(weight for _, weight, error in self.results if error is None)
        self.set_score(earned / total if total else 0.0)
        if earned < total:
            raise AssertionError(self.report())

    def report(self):
        lines, seen = [], {}
        for name, _, error in self.results:
            if error is not None:
                seen.setdefault(error, []).append(name)
        passed = [name for name, _, error in self.results if error is None]
        if passed:
            lines.append("passed: " + ", ".join(passed))
        for error, names in seen.items():
            lines.append(f"failed ({', '.join(names)}): {error}")
        return "\n".join(lines)
