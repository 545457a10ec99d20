"""Partial credit inside one test: named parts, each worth a share of the test's points.

Used with gradescope-utils' ``@partial_credit(1.0)``: ``finish`` reports the fraction of
the weight that passed through ``set_score`` and fails the test, listing what failed,
unless every part passed.

A property part (an identity, a bound, a gradient routing rule, input validation, the law
of drawn noise) holds for many wrong implementations too: a constant zero satisfies
KL(q ‖ q) = 0. Such a part names the value parts it is about in ``needs`` and pays only
when they pass as well.
"""
import contextlib


class Parts:
    def __init__(self, set_score):
        self.set_score, self.results = set_score, []  # (name, weight, error or None, needs)

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

    def finish(self):
        earned = self._earned()
        total = sum(weight for _, weight, _, _ in self.results)
        paid = sum(weight for name, weight, _, _ in self.results if earned[name])
        self.set_score(paid / total if total else 0.0)
        if paid < total:
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
