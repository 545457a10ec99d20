"""Partial credit inside one test: named parts, each worth a share of the test's points.

A check opens parts through its ``grader`` fixture (``with grader.part("values", 2):``);
after the check returns, the engine calls ``finish``: the test earns the share of the
weight its parts earned, and fails, listing what failed, unless every part passed. An
assertion outside every part (or an error) fails the test with no points.

A property part (an identity, a bound, a gradient routing rule, input validation, the law
of drawn noise) holds for many wrong implementations too: a constant zero satisfies
KL(q ‖ q) = 0. Such a part names the value parts it is about in ``needs`` and pays only
when they pass as well.

In the student kit a part can also be left unjudged (``Unchecked``): it needs a value of
the reference the kit does not hold. It counts neither way, nor do the parts that need it.
"""
import contextlib
import dataclasses
from collections.abc import Iterable, Iterator, Sequence

from ..enums import TextEnum
from .results import PartRecord


class Unchecked(Exception):
    """A part cannot be judged here (the student kit: the message says why)."""


class Verdict(TextEnum):
    """A judged part's verdict, as a results file records it (its value)."""
    EARNED = "earned"  # it passed, and so did every part it needs
    HELD = "held"  # it passed, but a part it needs did not: it does not pay
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class Judged:
    """A part that was judged: its weight, the failure's message (None: it passed) and the
    parts it pays only together with."""
    name: str
    weight: float
    error: str | None
    needs: tuple[str, ...]


class Parts:
    def __init__(self) -> None:
        self.results: list[Judged] = []  # the parts judged, in order
        self.unchecked: dict[str, str] = {}  # name -> why it was not judged
        # name -> the kind of the student's error that failed it (calls.ErrorKind), or None
        self.kinds: dict[str, object] = {}

    @contextlib.contextmanager
    def __call__(self, name: str, weight: float = 1.0, needs: str | Iterable[str] = ()) -> Iterator[None]:
        needs = (needs,) if isinstance(needs, str) else tuple(needs)
        if set(needs) & set(self.unchecked):
            self.unchecked[name] = "it pays only together with a part not checked here"
            needs = ()
        try:
            yield
        except Unchecked as exc:
            self.unchecked[name] = str(exc)
        except AssertionError as exc:
            self.kinds[name] = getattr(exc, "kind", None)
            if name not in self.unchecked:
                self.results.append(Judged(name, weight, str(exc), needs))
        else:
            if name not in self.unchecked:
                self.results.append(Judged(name, weight, None, needs))

    @property
    def opened(self) -> int:
        """How many parts this test has opened so far (judged or not)."""
        return len(self.results) + len(self.unchecked)

    def _earned(self) -> dict[str, bool]:
        """{name: True when the part pays}: it passed, and so did every part it needs."""
        passed = {part.name: part.error is None for part in self.results}
        return {part.name: passed[part.name] and all(passed.get(n, False) for n in part.needs)
                for part in self.results}

    def verdicts(self) -> dict[str, Verdict]:
        """{part name: its Verdict: earned, held (passed, but a part it needs did not) or failed}."""
        earned = self._earned()
        return {part.name: Verdict.EARNED if earned[part.name] else Verdict.HELD if part.error is None
                else Verdict.FAILED for part in self.results}

    def share(self) -> float | None:
        """The fraction of the weight earned, or None when no part was opened."""
        earned = self._earned()
        return earned_share([(part.weight, earned[part.name]) for part in self.results])

    def recorded(self) -> list[PartRecord]:
        """The judged parts as a results file keeps them, in order: [{"name", "weight",
        "verdict"}]. From these alone a test can be scored again under other points
        (grader/rescore.py), and a report can compare two gradings part by part."""
        verdicts = self.verdicts()
        return [{"name": part.name, "weight": float(part.weight), "verdict": verdicts[part.name].value}
                for part in self.results]

    def finish(self) -> None:
        """Raise AssertionError with the report unless every part was earned."""
        share = self.share()
        if share is not None and share < 1:
            raise AssertionError(self.report())

    def report(self) -> str:
        """What passed, then what failed and why, then the parts held back by a failure (the
        failure is what a student acts on: it comes before the parts it costs)."""
        earned, lines = self._earned(), []
        seen: dict[str, list[str]] = {}
        for part in self.results:
            if part.error is not None:
                seen.setdefault(part.error, []).append(part.name)
        passed = [part.name for part in self.results if part.error is None and earned[part.name]]
        unpaid = [(part.name, part.needs) for part in self.results if part.error is None and not earned[part.name]]
        if passed:
            lines.append("passed: " + ", ".join(passed))
        for error, names in seen.items():
            lines.append(f"failed ({', '.join(names)}): {error}")
        for name, needs in unpaid:
            lines.append(f"held but not counted ({name}): it pays only together with "
                         + ", ".join(f"'{n}'" for n in needs))
        lines += [f"not checked here ({name}): {why}" for name, why in self.unchecked.items()]
        return "\n".join(lines)


def earned_share(parts: Sequence[tuple[float, bool]]) -> float | None:
    """The fraction of the weight that ``parts`` ((weight, earned) pairs) earned; None when there
    are none, 0 when they weigh nothing."""
    if not parts:
        return None
    total = sum(weight for weight, _ in parts)
    return sum(weight for weight, earned in parts if earned) / total if total else 0.0
