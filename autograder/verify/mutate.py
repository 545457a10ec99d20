"""Mutants of a course's reference solutions, for mutation testing: each is a reference module
with one small mistake, of a kind students make (a sum for a mean, a dropped term, a flipped
sign, a wrong constant, a cut gradient, reused noise), in one graded function. The course's
checks should fail every mutant that changes what the function computes.

Only solution regions change: in a reference function, from its ``# SOLUTION`` line to its end
(autograder/template.py), so a signature or docstring never does. The standard library's
``ast`` finds the nodes and their exact positions; a mutant is the original text with one span
replaced, mostly by a few characters (an operator, a name, a literal) or by new code around the
original text of the operands. Comments, formatting and the other functions stay byte for
byte, so a mutant reads as a one-place diff of the reference: no unparse round trip that would
reformat the module, and no dependency such as libcst. ast columns count UTF-8 bytes, which is
why the text is spliced as bytes. A mutant that equals the original, does not parse or
duplicates another is dropped.
"""
import ast
import bisect
import builtins
import collections
import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any

from ..template import MARKER


@dataclasses.dataclass(frozen=True)
class Mutant:
    function: str  # contract name: "<module>.<func>" or "<module>.<Class>.<method>"
    operator: str  # a key of OPERATORS
    line: int      # 1-based line of the change in the original text
    before: str    # the changed expression or statement, whitespace collapsed ("" for an insertion)
    after: str     # what it became, whitespace collapsed
    source: str    # the whole mutated module

    @property
    def label(self):
        return f"{self.function}:{self.line} {self.operator}: `{self.before}` → `{self.after}`"


OPERATORS: dict[str, str] = {}  # key -> one-line description, in the round-robin order of a per-function cap
_RULES: dict[str, Callable[..., Iterable[Any]]] = {}  # key -> rule(fn, src), yielding the _Edits of one function


def _operator(key, description):
    def register(rule):
        OPERATORS[key], _RULES[key] = description, rule
        return rule
    return register


# The bytes [start, end) of the module become ``text``; ``node`` is the expression or statement
# shown as before/after (None: a statement inserted); ``suffix`` is appended to the module.
_Edit = collections.namedtuple("_Edit", "node start end text suffix")

_REDUCTIONS = {"sum", "mean", "logsumexp", "max", "min", "prod", "softmax", "log_softmax", "cumsum"}
_KEEPDIM = {"sum", "mean", "logsumexp", "max", "min", "prod"}  # the reductions that take keepdim
_NOISE = {"randn", "rand", "randn_like", "rand_like", "randint", "bernoulli", "multinomial", "normal"}
_SIZES = {"range", "reshape", "view", "expand", "repeat", "unsqueeze", "squeeze", "flatten", "permute",
          "transpose", "narrow", "split", "chunk", "arange", "randn", "rand", "randint", "zeros", "ones",
          "empty", "new_zeros", "new_ones", "new_empty"}  # calls whose positional arguments are sizes or dims
_INDEX_KEYWORDS = {"dim", "dims", "axis", "keepdim", "size", "shape"}
_FUNCTIONAL = {"F", "nn.functional", "torch.nn.functional"}
_MODULES = {"torch", "math", "np", "numpy", *_FUNCTIONAL}
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.MatMult)  # not // % << &: integer bookkeeping
_BINARY = {ast.BitOr: 7, ast.BitXor: 8, ast.BitAnd: 9, ast.LShift: 10, ast.RShift: 10, ast.Add: 11, ast.Sub: 11,
           ast.Mult: 12, ast.MatMult: 12, ast.Div: 12, ast.FloorDiv: 12, ast.Mod: 12, ast.Pow: 14}
_UNARY = 13

# Appended to a noise_reuse mutant: the draw it wraps happens once, and every later call gets
# that same noise (the first shape wins). Looked up only at call time, so the end of the file will do.
_NOISE_HELPER = '''

_MUTANT_NOISE = {}


def _mutant_once(key, draw):
    if key not in _MUTANT_NOISE:
        _MUTANT_NOISE[key] = draw()
    return _MUTANT_NOISE[key]
'''


def mutants(source, module, functions=None, *, per_function=None):
    """All mutants of the solution regions of ``source`` (one module's text, importable name
    ``module`` such as "net" or "models.net"). ``functions``: contract names to mutate (others
    are skipped; a class's name selects its methods); None = every function with a solution
    region. ``per_function``: at most this many per function, chosen deterministically and
    spread over the operators round-robin (so a cap keeps every operator that applies
    represented); None = all. Order: by function (in file order), then line."""
    src = _Module(source)
    seen, result = {source}, []
    for fn in _functions(src, module):
        if functions is not None and not any(fn.name == f or fn.name.startswith(f + ".") for f in functions):
            continue
        found = []
        for order, (key, rule) in enumerate(_RULES.items()):
            for edit in rule(fn, src):
                mutant = _mutant(src, fn, key, edit)
                if mutant.source not in seen and _parses(mutant.source):
                    seen.add(mutant.source)
                    found.append((edit.start, order, mutant))
        found = [mutant for *_, mutant in sorted(found, key=lambda item: item[:2])]
        result += found if per_function is None else _spread(found, per_function)
    return result


def _spread(found, limit):
    """At most ``limit`` of one function's mutants (in line order): one of each operator in
    turn (OPERATORS order), each operator's in line order, so that a cap of len(OPERATORS) or
    more keeps every operator that applies, and a smaller one the first operators."""
    queues = [[m for m in found if m.operator == key] for key in OPERATORS]
    turns = [m for turn in itertools.zip_longest(*queues) for m in turn if m is not None]
    kept = set(turns[:limit])
    return [m for m in found if m in kept]


def _mutant(src, fn, key, edit):
    data, text = src.data, edit.text.encode()
    if edit.node is None:
        before, after = "", edit.text
    else:
        start, end = src.span(edit.node)
        before = data[start:end].decode()
        after = (data[start:edit.start] + text + data[edit.end:end]).decode()
    return Mutant(fn.name, key, bisect.bisect_right(src.starts, edit.start), _collapse(before), _collapse(after),
                  (data[:edit.start] + text + data[edit.end:]).decode() + edit.suffix)


def _collapse(text):
    return " ".join(text.split())


def _parses(source):
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


class _Module:
    """A module's text, as UTF-8 bytes (what ast's columns count), and its syntax tree."""

    def __init__(self, source):
        self.data, self.lines, self.tree = source.encode(), source.split("\n"), ast.parse(source)
        self.starts = [0] + [m.end() for m in re.finditer(b"\n", self.data)]  # each line's first byte
        self.parents = {}  # node -> (parent, field): where an expression sits tells index arithmetic apart
        for parent in ast.walk(self.tree):
            for field, value in ast.iter_fields(parent):
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast.AST):
                        self.parents[child] = parent, field
        self.imports_torch = any(isinstance(node, ast.Import) and any(
            (alias.asname or alias.name.split(".")[0]) == "torch" for alias in node.names) for node in self.tree.body)

    def span(self, node):
        return (self.starts[node.lineno - 1] + node.col_offset,
                self.starts[node.end_lineno - 1] + node.end_col_offset)

    def text(self, node):
        start, end = self.span(node)
        return self.data[start:end].decode()

    def edit(self, node, text, where=None, suffix=""):
        """``where`` (a node or a (start, end) span; default ``node``) becomes ``text``."""
        start, end = where if isinstance(where, tuple) else self.span(where or node)
        return _Edit(node, start, end, text, suffix)

    def in_index(self, node):
        """Whether ``node`` is part of an index, a size or a dim: integer bookkeeping, not the math."""
        while node in self.parents:
            parent, field = self.parents[node]
            if (isinstance(parent, ast.Subscript) and field == "slice"
                    or isinstance(parent, ast.keyword) and parent.arg in _INDEX_KEYWORDS
                    or isinstance(parent, ast.Call) and field == "args"
                    and (_callee(parent)[1] in _SIZES or any(node is dim for dim in _dim_args(parent)))):
                return True
            node = parent
        return False


@dataclasses.dataclass
class _Function:
    name: str    # contract name
    marker: int  # line of "# SOLUTION"
    indent: str  # the marker's indentation
    body: list   # the nodes of the solution region

    def nodes(self, *types):
        return [node for node in self.body if isinstance(node, types)]


def _functions(src, module):
    """The functions and methods that have a solution region, in file order."""
    defs = (ast.FunctionDef, ast.AsyncFunctionDef)
    for top in src.tree.body:
        if isinstance(top, ast.ClassDef):
            named = [(f"{top.name}.{node.name}", node) for node in top.body if isinstance(node, defs)]
        else:
            named = [(top.name, top)] if isinstance(top, defs) else []
        for name, node in named:
            marker = next((n for n in range(node.lineno, node.end_lineno + 1)
                           if src.lines[n - 1].strip() == MARKER), None)
            if marker is not None:
                line = src.lines[marker - 1]
                yield _Function(f"{module}.{name}", marker, line[:len(line) - len(line.lstrip())],
                                _solution(node, marker))


def _solution(function, marker):
    """The nodes after the marker. f-strings are left out whole: their parts have no reliable
    positions before Python 3.12, and an error message is no place for a mutant."""
    found, todo = [], [function]
    while todo:
        for child in ast.iter_child_nodes(todo.pop()):
            if not isinstance(child, ast.JoinedStr):
                todo.append(child)
                if getattr(child, "lineno", 0) > marker:
                    found.append(child)
    return found


def _dotted(node):
    """"torch.nn.functional" for that chain of names, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def _callee(call):
    """(module, name): ("torch", "sum") for torch.sum(x), (None, "sum") for the method x.sum(),
    ("", "max") for a plain max(x); (None, None) for anything else."""
    if isinstance(call.func, ast.Name):
        return "", call.func.id
    if isinstance(call.func, ast.Attribute):
        module = _dotted(call.func.value)
        return (module if module in _MODULES else None), call.func.attr
    return None, None


def _dim_args(call):
    """The dimension arguments of a reduction: d in x.sum(d), torch.sum(x, d) or dim=d."""
    module, name = _callee(call)
    if name not in _REDUCTIONS or module == "":  # builtin max(a, b) reduces nothing
        return []
    first = 0 if module is None else 1
    return call.args[first:first + 1] + [kw.value for kw in call.keywords if kw.arg == "dim"]


def _literal(node):
    """The value of a numeric literal, ``-1`` included; None for anything else (a bool too)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand)
        return None if value is None else -value
    return node.value if isinstance(node, ast.Constant) and type(node.value) in (int, float) else None


def _is_call(node, name):
    return isinstance(node, ast.Call) and _callee(node)[1] == name


def _draws_noise(call):
    module, name = _callee(call)
    return module == "torch" and name in _NOISE or module is None and name in ("sample", "rsample")


def _python_number(node):
    """Plainly a Python number, no tensor (a CONSTANT, math.pi, a shape entry, a size), where
    .detach() or .float() would only crash."""
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.Subscript):
        return _python_number(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr == "shape" or _dotted(node.value) in ("math", "np", "numpy")
    if isinstance(node, ast.Call):
        module, name = _callee(node)
        return module in ("math", "np", "numpy") or name in ("len", "int", "float", "size", "numel", "item", "dim")
    return isinstance(node, ast.Constant)


def _precedence(node):
    """How tightly an expression binds, loosest first (Python's grammar): a replacement that binds
    more loosely than what it replaces needs parentheses."""
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)]
    if isinstance(node, ast.UnaryOp):
        return 5 if isinstance(node.op, ast.Not) else _UNARY
    if isinstance(node, ast.BoolOp):
        return 4 if isinstance(node.op, ast.And) else 3
    return {ast.NamedExpr: 0, ast.Tuple: 0, ast.Starred: 0, ast.Lambda: 1, ast.IfExp: 2, ast.Compare: 6,
            ast.Await: 15}.get(type(node), 16)


def _wrap(text, node, level):
    return f"({text})" if _precedence(node) < level else text


def _name_span(src, call):
    """The span of ``sum`` in ``x.sum(...)`` or ``torch.sum(...)``: the end of the callee."""
    end = src.span(call.func)[1]
    return end - len(call.func.attr.encode()), end


@_operator("reduction", "a sum where a mean belongs, or a mean for a sum")
def _reduction(fn, src):
    for call in fn.nodes(ast.Call):
        module, name = _callee(call)
        if name in ("sum", "mean") and module in (None, "torch"):
            yield src.edit(call, "mean" if name == "sum" else "sum", _name_span(src, call))


@_operator("reduce_dim", "a reduction over the wrong dimension")
def _reduce_dim(fn, src):
    for call in fn.nodes(ast.Call):
        for dim in _dim_args(call):
            d = _literal(dim)
            if isinstance(d, int):
                yield src.edit(call, str(0 if d == -1 else 1 if d == 0 else d - 1 if d > 0 else -1), dim)


@_operator("keepdim", "a reduced dimension kept, or dropped")
def _keepdim(fn, src):
    for call in fn.nodes(ast.Call):
        flag = next((kw.value for kw in call.keywords if kw.arg == "keepdim"), None)
        if flag is not None:
            if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
                yield src.edit(call, str(not flag.value), flag)
        elif (_callee(call)[1] in _KEEPDIM and _dim_args(call)
              and not any(isinstance(arg, ast.Constant) and isinstance(arg.value, bool) for arg in call.args)):
            end = max(src.span(arg)[1] for arg in call.args + call.keywords)
            yield src.edit(call, ", keepdim=True", (end, end))


@_operator("drop_term", "a term of a sum or difference left out")
def _drop_term(fn, src):
    for op in fn.nodes(ast.BinOp):
        if isinstance(op.op, (ast.Add, ast.Sub)):
            for kept in (op.left, op.right):
                yield src.edit(op, _wrap(src.text(kept), kept, _precedence(op)))


@_operator("sign", "a sign flipped: + ↔ −, −x → x, return −e")
def _sign(fn, src):
    for node in fn.nodes(ast.BinOp, ast.UnaryOp, ast.Return):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            # Between the operands stand only parentheses, whitespace, continuations and
            # comments (masked): the one + or - there is the operator.
            start, end = src.span(node.left)[1], src.span(node.right)[0]
            between = re.sub(rb"#[^\n]*", lambda m: b" " * len(m.group()), src.data[start:end])
            at = start + between.index(b"+" if isinstance(node.op, ast.Add) else b"-")
            yield src.edit(node, "-" if isinstance(node.op, ast.Add) else "+", (at, at + 1))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _literal(node) is None:
            start = src.span(node)[0]  # the minus; a negative literal is the constant operator's
            yield src.edit(node, "", (start, start + 1))
        elif (isinstance(node, ast.Return) and node.value is not None
              and not isinstance(node.value, (ast.Tuple, ast.Constant))
              and not (isinstance(node.value, ast.UnaryOp) and isinstance(node.value.op, ast.USub))):
            yield src.edit(node, "-" + _wrap(src.text(node.value), node.value, _UNARY), node.value)


def _scaled(c):
    """½ ↔ 1, 2 → 1, any other c → 2c: the factors a derivation loses or doubles."""
    return 1.0 if c == 0.5 else 0.5 if c == 1 else type(c)(1) if c == 2 else 2 * c


@_operator("constant", "a wrong numeric constant: ½ ↔ 1, 2 → 1, c → 2c, 2π → π")
def _constant(fn, src):
    for node in fn.nodes(ast.BinOp, ast.UnaryOp, ast.Call):
        if src.in_index(node):
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            pi = next((b for a, b in ((node.left, node.right), (node.right, node.left))
                       if _literal(a) == 2 and isinstance(b, ast.Attribute) and b.attr == "pi"), None)
            if pi is not None:  # log 2π → log π; its 2 → 1 would be the same mutant
                yield src.edit(node, src.text(pi))
                continue
        if isinstance(node, ast.BinOp):
            operands = [node.left, node.right] if isinstance(node.op, _ARITHMETIC) else []
        elif isinstance(node, ast.UnaryOp):
            operands = [node.operand] if isinstance(node.op, (ast.USub, ast.UAdd)) else []
        else:
            operands = node.args if _callee(node) in (("math", "log"), ("np", "log"), ("numpy", "log")) else []
        for operand in operands:
            value = _literal(operand) if isinstance(operand, ast.Constant) else None
            if value is not None and _scaled(value) != value:
                yield src.edit(node, repr(_scaled(value)), operand)


@_operator("swap_function", "a related function: exp → softplus, log ↔ log1p, an unstable logsumexp "
                            "or logsigmoid")
def _swap_function(fn, src):
    for call in fn.nodes(ast.Call):
        module, name = _callee(call)
        receiver = call.func.value if module is None and isinstance(call.func, ast.Attribute) else None
        if name == "exp" and module == "torch":
            yield src.edit(call, "torch.nn.functional.softplus", call.func)
        elif name in ("log", "log1p") and (receiver or module in ("torch", "math", "np", "numpy")):
            yield src.edit(call, "log1p" if name == "log" else "log", _name_span(src, call))
        elif not src.imports_torch:  # the rewrites below name torch
            continue
        elif name == "exp" and receiver and not call.args:
            yield src.edit(call, f"torch.nn.functional.softplus({src.text(receiver)})")
        elif name == "logsumexp" and (receiver or module == "torch" and call.args):
            x, rest = (receiver, call.args) if receiver else (call.args[0], call.args[1:])
            arguments = ", ".join(src.text(arg) for arg in rest + call.keywords)
            yield src.edit(call, f"torch.log(torch.exp({src.text(x)}).sum({arguments}))")
        elif name == "logsigmoid" and module in _FUNCTIONAL:
            arguments = ", ".join(src.text(arg) for arg in call.args + call.keywords)
            yield src.edit(call, f"torch.log(torch.sigmoid({arguments}))")


@_operator("detach", "a gradient path cut by .detach()")
def _detach(fn, src):
    for op in fn.nodes(ast.BinOp):
        if isinstance(op.op, _ARITHMETIC) and not src.in_index(op):
            for operand in (op.left, op.right):
                if (isinstance(operand, (ast.Name, ast.Attribute, ast.Call, ast.Subscript))
                        and not _python_number(operand) and not _is_call(operand, "detach")):
                    end = src.span(operand)[1]
                    yield src.edit(op, ".detach()", (end, end))


@_operator("swap_arguments", "two adjacent arguments passed in the wrong order")
def _swap_arguments(fn, src):
    plain = (ast.Name, ast.Attribute, ast.Subscript)
    for call in fn.nodes(ast.Call):
        module, name = _callee(call)
        if module == "" and hasattr(builtins, name):  # isinstance(int, k), range(0, n, k): crashes, no mistake
            continue
        for a, b in zip(call.args, call.args[1:]):
            if isinstance(a, plain) and isinstance(b, plain):
                (start, a_end), (b_start, end) = src.span(a), src.span(b)
                between = src.data[a_end:b_start].decode()
                yield src.edit(call, src.text(b) + between + src.text(a), (start, end))


@_operator("noise_reuse", "one noise draw reused by every call")
def _noise_reuse(fn, src):
    for call in fn.nodes(ast.Call):
        if _draws_noise(call):
            yield src.edit(call, f"_mutant_once({call.lineno}, lambda: {src.text(call)})", suffix=_NOISE_HELPER)


@_operator("seed", "the global generator reseeded on every call")
def _seed(fn, src):
    if src.imports_torch and any(_draws_noise(call) for call in fn.nodes(ast.Call)):
        at = src.starts[fn.marker]  # the start of the line after the marker
        yield src.edit(None, f"{fn.indent}torch.manual_seed(0)\n", (at, at))


@_operator("float32", "a float32 computation where float64 comes in")
def _float32(fn, src):
    for node in fn.nodes(ast.BinOp, ast.Call):
        if isinstance(node, ast.Call):
            dtype = next((kw.value for kw in node.keywords if kw.arg == "dtype"), None)
            if (dtype is not None and _callee(node) in {("torch", n) for n in ("tensor", "zeros", "ones", "full")}
                    and _dotted(dtype) not in ("torch.float32", "torch.float")):
                yield src.edit(node, "torch.float32", dtype)
        elif isinstance(node.op, _ARITHMETIC) and not src.in_index(node):
            operand = next((o for o in (node.left, node.right) if isinstance(o, (ast.Name, ast.Call))
                            and not _python_number(o) and not _is_call(o, "float")), None)
            if operand is not None:
                end = src.span(operand)[1]
                yield src.edit(node, ".float()", (end, end))
