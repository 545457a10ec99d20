"""Grading a course's answers file: expressions by sympy, integer sets, and choices.

The course's answer key gives the expected answers, the symbols (with sympy
assumptions) an expression may use and the keys that are choices. Student strings are
never evaluated as Python. An expression is first tokenized and accepted only if every
token is a number, an operator from a short list, a course symbol or one of FUNCTIONS;
only then does sympy parse it, in a child process with a memory and time limit
(``9**9**9**9`` is made of allowed tokens). The YAML is read there too, with
``yaml.safe_load``. The child returns plain verdicts.
"""
import io
import json
import multiprocessing
import random
import resource
import tokenize
from pathlib import Path

import yaml

from . import memory

FUNCTIONS = ("exp", "log", "sqrt", "Abs", "abs", "oo", "pi", "E", "inf", "infinity")
ALLOWED_OPERATORS = {"+", "-", "*", "/", "**", "^", "(", ")"}
MAX_LENGTH = 200
TIME_LIMIT_S = 10  # reading a few hundred bytes of YAML takes milliseconds
MEMORY_LIMIT = 1 << 30  # added to the address space the child starts with


class AnswerError(ValueError):
    """An answer that cannot be read; the message tells the student why."""


def check_tokens(text, symbols=()):
    """Raise AnswerError unless ``text`` is made only of whitelisted tokens."""
    allowed = set(symbols) | set(FUNCTIONS)
    if len(text) > MAX_LENGTH:
        raise AnswerError(f"longer than {MAX_LENGTH} characters")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise AnswerError(f"cannot be read: {exc}") from None
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT):
            continue
        if token.type == tokenize.NUMBER and all(c.isdigit() or c == "." for c in token.string):
            continue
        if token.type == tokenize.NAME and token.string in allowed:
            continue
        if token.type == tokenize.OP and token.string in ALLOWED_OPERATORS:
            continue
        raise AnswerError(f"`{token.string}` is not allowed (allowed names: {', '.join(sorted(allowed))})")


def _check_powers(text):
    """Reject towers and huge exponents, which sympy would evaluate eagerly."""
    import ast

    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right
            if isinstance(exponent, ast.BinOp) and isinstance(exponent.op, ast.Pow):
                raise AnswerError("nested powers are not allowed")
            if isinstance(exponent, ast.Constant) and abs(exponent.value) > 100:
                raise AnswerError("exponents above 100 are not allowed")


def parse(text, symbols=None):
    """A sympy expression from a whitelisted string (call in the limited child);
    ``symbols`` maps each allowed symbol to its sympy assumptions."""
    import sympy
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

    symbols = symbols or {}
    check_tokens(text, symbols)
    _check_powers(text)
    names = {name: sympy.Symbol(name, **assumptions) for name, assumptions in symbols.items()}
    names.update(exp=sympy.exp, log=sympy.log, sqrt=sympy.sqrt, Abs=sympy.Abs, abs=sympy.Abs,
                 oo=sympy.oo, inf=sympy.oo, infinity=sympy.oo, pi=sympy.pi, E=sympy.E)
    try:
        return parse_expr(text, local_dict=names, global_dict={"Integer": sympy.Integer, "Float": sympy.Float,
                                                                "Rational": sympy.Rational, "Symbol": sympy.Symbol},
                          transformations=standard_transformations + (convert_xor,))
    except Exception as exc:  # sympy raises many kinds for malformed input
        raise AnswerError(f"cannot be read as a formula: {type(exc).__name__}") from None


def expressions_equal(student, expected, trials=20, seed=0):
    """Equivalent under the symbols' assumptions: by simplification, else numerically at
    random points (infinities compared exactly)."""
    import sympy

    if expected.has(sympy.oo, -sympy.oo, sympy.zoo) or student.has(sympy.oo, -sympy.oo, sympy.zoo):
        return student == expected
    if sympy.simplify(student - expected) == 0:
        return True
    rng = random.Random(seed)
    symbols = sorted(student.free_symbols | expected.free_symbols, key=str)
    for _ in range(trials):
        point = {s: (rng.uniform(0.1, 3.0) if s.is_positive else rng.choice([-1, 1]) * rng.uniform(0.1, 3.0))
                 for s in symbols}
        a, b = complex(student.evalf(subs=point)), complex(expected.evalf(subs=point))
        if not abs(a - b) <= 1e-8 * max(1.0, abs(b)):
            return False
    return True


def _flatten(mapping, prefix=""):
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + ".")
        else:
            yield name, value


def _verdict(key, given, expected, symbols, choices):
    if given is None or (isinstance(given, str) and not given.strip()):
        return False, "no answer given"
    if isinstance(expected, list):
        if not isinstance(given, list) or not all(type(v) is int for v in given):
            return False, "expected a list of integers"
        return (set(given) == set(expected), "" if set(given) == set(expected) else "not the right set")
    if key in choices:
        options = {c.strip().lower() for c in choices[key]}
        choice = str(given).strip().lower()
        if choice not in options:
            return False, f"choose one of {', '.join(sorted(options))}"
        return choice == str(expected).strip().lower(), ""
    try:
        ok = expressions_equal(parse(str(given), symbols), parse(str(expected), symbols))
    except AnswerError as exc:
        return False, str(exc)
    return ok, "" if ok else "not equivalent to the expected expression"


def _limited(function, *args, timeout=TIME_LIMIT_S):
    """``function(*args)`` in a forked child under a memory limit; its JSON-able result,
    or None when it failed, ran out of memory or time."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def target():
        # a forked child starts with the grader's address space (several GB with a CUDA
        # build of torch), so the limit is what it may add to that
        limit = memory.address_space() + MEMORY_LIMIT
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        sender.send(json.dumps(function(*args)))

    child = context.Process(target=target)
    child.start()
    sender.close()
    result = None
    if receiver.poll(timeout):
        try:
            result = json.loads(receiver.recv())
        except (EOFError, ValueError):
            result = None
    child.kill()
    child.join()
    return result


def _plain(value):
    if isinstance(value, list):
        return [v if type(v) is int else str(v) for v in value]
    return None if value is None else str(value)


def _read_answers(path):
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        return {"$error": f"answers.yaml could not be read: {str(exc)[:300]}"}
    if not isinstance(raw, dict):
        return {"$error": "answers.yaml is not a mapping of keys to answers"}
    return {name: _plain(value) for name, value in _flatten(raw)}


def grade_answers(answers_path, course):
    """{key: (correct, message)} for every key of the course's answer key. The student's
    YAML is read, and each answer judged, in its own limited child, so one pathological
    answer costs only itself."""
    import sympy  # noqa: F401  imported once here and inherited by every forked child

    key = dict(_flatten(yaml.safe_load(Path(course.answer_key).read_text())))
    if answers_path is None:
        return {name: (False, "no answers.yaml in the submission") for name in key}
    given = _limited(_read_answers, str(answers_path))
    if given is None or "$error" in given:
        problem = given["$error"] if given else "answers.yaml could not be read within the limits"
        return {name: (False, problem) for name in key}
    verdicts = {}
    for name, expected in key.items():
        verdict = _limited(_verdict, name, given.get(name), expected, course.symbols, course.choices, timeout=10)
        verdicts[name] = tuple(verdict) if verdict else (False, "judging this answer ran out of time or memory")
    return verdicts
