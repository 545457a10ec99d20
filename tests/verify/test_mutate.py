"""Mutants of reference solutions (autograder/verify/mutate.py): each parses and changes one
place inside one solution region, and each operator makes the mistake it names."""
import ast
import os
import textwrap
from pathlib import Path

import pytest
import torch
import yaml

from autograder.template import MARKER
from autograder.verify import mutate
from autograder.verify.mutate import OPERATORS, Mutant, mutants

ROOT = Path(__file__).resolve().parents[2]


def _course(folder, reference):
    """(path, module name) of each student file of a course."""
    files = yaml.safe_load((folder / "course.yaml").read_text())["student"]["files"]
    return [(folder / reference / f, f.removesuffix(".py").replace("/", ".")) for f in files]


REFERENCES = (_course(ROOT, "reference")
              + _course(ROOT / "courses" / "cs236-hw2", "reference/codebase"))


def _solution_lines(source, module):
    """{contract name: (marker line, last line)} of the functions with a solution region."""
    regions = {}
    for top in ast.parse(source).body:
        named = ([(f"{top.name}.{f.name}", f) for f in top.body if isinstance(f, ast.FunctionDef)]
                 if isinstance(top, ast.ClassDef) else [(top.name, top)] if isinstance(top, ast.FunctionDef) else [])
        for name, node in named:
            lines = source.splitlines()[node.lineno - 1:node.end_lineno]
            if MARKER in (line.strip() for line in lines):
                regions[f"{module}.{name}"] = (node.lineno + [line.strip() for line in lines].index(MARKER),
                                               node.end_lineno)
    return regions


def _changed(original, mutant):
    """The first and last line of the original where a mutant differs (the helper of
    noise_reuse, appended, left out)."""
    if mutant.operator == "noise_reuse":
        assert mutant.source.endswith(mutate._NOISE_HELPER)
        new = mutant.source[:-len(mutate._NOISE_HELPER)]
    else:
        new = mutant.source
    head = len(os.path.commonprefix([original, new]))
    tail = len(os.path.commonprefix([original[head:][::-1], new[head:][::-1]]))
    return original.count("\n", 0, head) + 1, original.count("\n", 0, len(original) - tail) + 1


def _collapse(text):
    return " ".join(text.split())


@pytest.mark.parametrize("path, module", REFERENCES, ids=[m for _, m in REFERENCES])
def test_reference_mutants_change_one_place_in_a_solution(path, module):
    source = path.read_text()
    regions = _solution_lines(source, module)
    found = mutants(source, module)
    assert found and {m.function for m in found} <= set(regions)
    assert len({m.source for m in found}) == len(found)
    for m in found:
        ast.parse(m.source)
        assert m.operator in OPERATORS and m.before != m.after and m.source != source
        first, last = _changed(source, m)
        marker, end = regions[m.function]
        assert marker < first <= m.line <= last <= end, m.label
        assert m.before in _collapse(source) and m.after in _collapse(m.source), m.label


def _one(source, operator, after, module="m"):
    """The mutant of ``operator`` whose changed expression reads ``after``."""
    found = [m for m in mutants(textwrap.dedent(source), module) if m.operator == operator]
    chosen = [m for m in found if m.after == after]
    assert chosen, [m.after for m in found]
    return chosen[0]


def _afters(source, operator):
    return {m.after for m in mutants(textwrap.dedent(source), "m") if m.operator == operator}


HEADER = '''\
"""A module: x.sum(-1) + 0.5 * (a + b)."""
import math

import torch
import torch.nn.functional as F


'''


def _function(body, signature="f(x, a, b, n=2)"):
    return HEADER + f'def {signature}:\n    """x.sum(-1) - 2 * math.pi."""\n    # SOLUTION\n' \
        + textwrap.indent(textwrap.dedent(body), "    ") + "\n"


def test_reduction():
    m = _one(_function("return x.sum(-1)"), "reduction", "x.mean(-1)")
    assert m.source.endswith("    return x.mean(-1)\n") and m.before == "x.sum(-1)" and m.line == 11
    assert m.label == "m.f:11 reduction: `x.sum(-1)` → `x.mean(-1)`"
    assert _afters(_function("return torch.mean(x, 0) + F.logsigmoid(x).sum()"), "reduction") == {
        "torch.sum(x, 0)", "F.logsigmoid(x).mean()"}
    assert not _afters(_function("return torch.logsumexp(x, 0)"), "reduction")


def test_reduce_dim_and_keepdim():
    assert _afters(_function("return x.sum(-1) + torch.logsumexp(x, dim=1) + x.flatten(1).max(2)"),
                   "reduce_dim") == {"x.sum(0)", "torch.logsumexp(x, dim=0)", "x.flatten(1).max(1)"}
    assert _afters(_function("return x.sum(-1) + x.mean(0, keepdim=True) + x.sum() + x.softmax(-1)"),
                   "keepdim") == {"x.sum(-1, keepdim=True)", "x.mean(0, keepdim=False)"}


def test_drop_term_keeps_either_operand():
    source = _function("return 0.5 * (a + b)")
    assert _afters(source, "drop_term") == {"a", "b"}
    assert _one(source, "drop_term", "a").source.endswith("    return 0.5 * (a)\n")
    # A kept operand that binds more loosely than the sum keeps its parentheses.
    m = _one(_function("return a + (b if n else x) - x"), "drop_term", "(b if n else x)")
    assert "return (b if n else x) - x" in m.source


def test_sign():
    source = _function("y = a - b\nreturn x * -(a + b)")
    assert _afters(source, "sign") == {"a + b", "(a + b)", "a - b", "return -(x * -(a + b))"}
    assert "return x * (a + b)" in _one(source, "sign", "(a + b)").source
    assert "y = a + b" in _one(source, "sign", "a + b").source
    # Literals (a dim of -1) and tuples are not signs; a comment between operands is skipped.
    assert _afters(_function("return x.sum(-1), a"), "sign") == set()
    assert _afters(_function("return (a  # a - b\n        - b)"), "sign") == {
        "a # a - b + b", "return (-(a # a - b - b))"}


def test_constant():
    assert _afters(_function("return math.log(2 * math.pi) + 0.5 * x ** 2 - 1.0 + 3 * a"), "constant") == {
        "math.pi", "1.0 * x ** 2", "x ** 1", "math.log(2 * math.pi) + 0.5 * x ** 2 - 0.5", "6 * a"}
    assert "return math.log(math.pi)\n" in _one(_function("return math.log(2 * math.pi)"), "constant",
                                                 "math.pi").source
    # Indices, sizes and dims are bookkeeping, not constants of the math.
    assert not _afters(_function("return x[:, 1] + x[n - 1] + x.reshape(2 * n, -1).sum(-1) + x.sum(dim=1 + n)"),
                       "constant")


def test_swap_function():
    assert _afters(_function("return torch.exp(x) + x.exp() + torch.log(a) + b.log1p() + math.log(n)"),
                   "swap_function") >= {"torch.nn.functional.softplus(x)", "torch.log1p(a)", "b.log()",
                                        "math.log1p(n)"}
    assert _afters(_function("return torch.logsumexp(x, 0) + x.logsumexp(dim=1) + F.logsigmoid(a)"),
                   "swap_function") == {"torch.log(torch.exp(x).sum(0))", "torch.log(torch.exp(x).sum(dim=1))",
                                        "torch.log(torch.sigmoid(a))"}


def test_detach_and_float32():
    assert _afters(_function("return a * b + 2 * x"), "detach") == {"a.detach() * b", "a * b.detach()",
                                                                     "2 * x.detach()"}
    assert _afters(_function("return a * b - torch.zeros(3, dtype=torch.float64)"), "float32") == {
        "a.float() * b", "a * b - torch.zeros(3, dtype=torch.float64).float()",
        "torch.zeros(3, dtype=torch.float32)"}
    # Plain Python numbers (a CONSTANT, math.pi, a shape) have no .detach() or .float().
    assert not _afters(_function("return LOG_2PI * math.pi + x.shape[0] * x.size(0)"), "detach")


def test_swap_arguments():
    assert _afters(_function("return log_normal(z, m, 2.0 * v) + isinstance(a, b)"), "swap_arguments") == {
        "log_normal(m, z, 2.0 * v)"}
    m = _one(_function("return f(a, (b[0]))"), "swap_arguments", "f(b[0], (a))")
    assert "return f(b[0], (a))\n" in m.source


def test_noise_reuse_and_seed():
    source = _function("eps = torch.randn_like(a)\nreturn a + eps * b.sample()")
    assert _afters(source, "noise_reuse") == {"_mutant_once(11, lambda: torch.randn_like(a))",
                                              "_mutant_once(12, lambda: b.sample())"}
    seeded = [m for m in mutants(source, "m") if m.operator == "seed"]
    assert len(seeded) == 1 and seeded[0].line == 11 and seeded[0].after == "torch.manual_seed(0)"
    assert "    # SOLUTION\n    torch.manual_seed(0)\n    eps = torch.randn_like(a)\n" in seeded[0].source
    assert not _afters(_function("return a + b"), "seed")
    assert not _afters(source.replace("import torch\n", ""), "seed")  # no torch to seed


def test_noise_reuse_mutant_draws_once():
    source = _function("return mu + torch.randn(mu.shape, dtype=mu.dtype)", "sample(mu)")
    (m,) = [m for m in mutants(source, "m") if m.operator == "noise_reuse"]
    namespace = {}
    exec(compile(m.source, "m.py", "exec"), namespace)
    mu = torch.zeros(3, dtype=torch.float64)
    assert torch.equal(namespace["sample"](mu), namespace["sample"](mu))
    exec(compile(source, "m.py", "exec"), namespace)
    assert not torch.equal(namespace["sample"](mu), namespace["sample"](mu))


def test_only_solution_regions_of_chosen_functions():
    source = HEADER + textwrap.dedent('''\
        def g(x, n=2.0):
            """x.sum(-1) * 0.5."""
            return x.sum(-1) * 0.5


        class Model:
            def bound(self, x, scale=0.5):
                """-x.mean(0)."""
                y = x * 2.0
                # SOLUTION
                return y.sum(-1) - x


        def h(x):
            # SOLUTION
            return x.mean(0)
        ''')
    found = mutants(source, "pkg.m")
    assert {m.function for m in found} == {"pkg.m.Model.bound", "pkg.m.h"}
    assert all(m.line in (18, 23) and "y = x * 2.0" in m.source for m in found)
    assert {m.function for m in mutants(source, "pkg.m", ["pkg.m.h"])} == {"pkg.m.h"}
    assert {m.function for m in mutants(source, "pkg.m", ["pkg.m.Model"])} == {"pkg.m.Model.bound"}
    assert not mutants(source, "pkg.m", [])


def test_per_function_cap_spreads_over_operators():
    path, module = REFERENCES[0]
    source = path.read_text()
    full = mutants(source, module)
    capped = mutants(source, module, per_function=len(OPERATORS))
    assert capped == mutants(source, module, per_function=len(OPERATORS)) and set(capped) <= set(full)
    for function in {m.function for m in full}:
        every = [m for m in full if m.function == function]
        kept = [m for m in capped if m.function == function]
        assert len(kept) == min(len(every), len(OPERATORS))
        assert {m.operator for m in kept} == {m.operator for m in every}  # one of each operator first
        assert kept == [m for m in every if m in kept]  # still in line order
    two = mutants(source, module, per_function=2)
    assert all(sum(m.function == f for m in two) <= 2 for f in {m.function for m in full})
    assert mutants(source, module, per_function=0) == []


def test_without_marker_nothing():
    assert mutants(HEADER + "def f(x):\n    return x.sum(-1) + 1.0\n", "m") == []


def test_mutant_is_frozen_and_labelled():
    m = Mutant("vae.kl", "reduction", 3, "x.sum(-1)", "x.mean(-1)", "")
    assert m.label == "vae.kl:3 reduction: `x.sum(-1)` → `x.mean(-1)`"
    with pytest.raises(AttributeError):
        m.line = 4
