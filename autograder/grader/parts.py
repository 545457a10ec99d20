"""Partial credit inside one test: named parts, each worth a share of the test's points.

A check opens parts through its ``grader`` fixture (``with grader.part("values", 2):``);
after the check returns, the engine calls ``finish``: the test earns the share of the
weight its parts earned, and fails, listing what failed, unless every part passed. An
assertion outside every part (or an error) fails the test with no points.

A property part (an identity, a bound, a gradient routing rule, input validation, the law
of drawn noise) holds for many wrong implementations too: a constant zero satisfies
KL(q ‖ q) = 0. Such a part names the value parts it is about in ``needs`` and pays only
when they pass as well.
"""
import contextlib


class Parts:
    def __init__(self):
        self.results = []  # (name, weight, error or None, needs)

    @contextlib.contextmanager
    def __call__(self, name, weight=1.0, needs=()):
        needs = (needs,) if isinstance(needs, str) else tuple(needs)
        try:
            yield
        except AssertionError as exc:
            self.results.append((name, weight, str(exc), needs))
        else:
            self.results.append((name, weight, None, needs))

    def _earned(self):
        """{name: True when the part pays}: it passed, and so did every part it needs."""
        passed = {name: error is None for name, _, error, _ in self.results}
        return {name: passed[name] and all(passed.get(n, False) for n in needs) for name, _, _, needs in self.results}

    def verdicts(self):
        """{part name: "earned", "held" (passed, but a part it needs did not) or "failed"}."""
        earned = self._earned()
        return {name: "earned" if earned[name] else "held" if error is None else "failed"
                for name, _, error, _ in self.results}

    def share(self):
        """The fraction of the weight earned, or None when no part was opened."""
        if not self.results:
            return None
        earned = self._earned()
        total = sum(weight for _, weight, _, _ in self.results)
        return sum(weight for name, weight, _, _ in self.results if earned[name]) / total if total else 0.0

    def finish(self):
        """Raise AssertionError with the report unless every part was earned."""
        share = self.share()
        if share is not None and share < 1:
            raise AssertionError(self.report())

    def report(self):
        earned, lines, seen = self._earned(), [], {}
        for name, _, error, _ in self.results:
            if error is not None:
                seen.setdefault(error, []).append(name)
        passed = [name for name, _, error, _ in self.results if error is None and earned[name]]
        unpaid = [(name, needs) for name, _, error, needs in self.results if error is None and not earned[name]]
        if passed:
            lines.append("passed: " + ", ".join(passed))
        for name, needs in unpaid:
            lines.append(f"held but not counted ({name}): it pays only together with "
                         + ", ".join(f"'{n}'" for n in needs))
        for error, names in seen.items():
            lines.append(f"failed ({', '.join(names)}): {error}")
        return "\n".join(lines)
