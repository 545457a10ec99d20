"""Value trees: what a call carries across the grader/worker boundary, in one place.

Two kinds of tree, and the walks over them:

- a **value**: Python tuples, lists and dicts with anything at the leaves (a call's
  arguments, what a function returned). ``leaves`` lists its leaves; ``write`` turns a
  returned value into a plain tree, ``write_arguments`` a call's arguments.
- a **plain tree**: JSON lists, dicts, numbers, strings and None, in which a dict holding
  a tag (below) stands for something else: ``{TENSOR: i, "dtype", ...}`` the i-th array of
  the frame (worker/wire.py), ``{TUPLE: [...]}`` a tuple, and so on (worker/protocol.py
  says which tag goes where). ``rebuild`` maps it back, a function per tag; ``tagged``
  finds the nodes of one tag; ``pairs`` walks two of the same shape side by side.

And the names of dtypes, as nodes write them ("float32"), with the one table that reads
them back. This module imports no torch until a dtype name is read, so that the codec
(wire.py, numpy only) can use its tags.
"""
import functools

# the tag registry: the keys that make a plain tree's dict stand for something else
TENSOR, TUPLE, LIST, FLOAT, OTHER = "$t", "$tuple", "$list", "$float", "$other"
MODULE, OPTIMIZER = "$module", "$optimizer"  # a network to build, an optimizer over networks (requests)
META, NET = "$meta", "$net"  # a tensor on the meta device by its shape, a built network by name (served helpers)
ARRAYS = "$arrays"  # a frame's header: the arrays that follow it (wire.py)
PREFIX = "$"  # every tag's; a plain dict's own keys never start with it
TAGS = frozenset({TENSOR, TUPLE, LIST, FLOAT, OTHER, MODULE, OPTIMIZER, META, NET, ARRAYS})
SEQUENCES = {tuple: TUPLE, list: LIST}  # how a returned value writes its sequences
CONTAINERS = (tuple, list, dict)


def dtype_name(dtype):
    """The name nodes give a dtype: "float32" of torch.float32 (or of numpy's float32)."""
    return str(dtype).removeprefix("torch.")


def torch_dtype(name):
    """The torch dtype a node's name denotes (an alias too: "double"); KeyError for a name
    that is none."""
    return _torch_dtypes()[name]


@functools.cache
def _torch_dtypes():
    import torch

    return {name: value for name, value in vars(torch).items() if isinstance(value, torch.dtype)}


def leaves(value, kinds=CONTAINERS, exact=False):
    """The leaves of a value, depth first: what is not one of ``kinds`` (of a dict, its
    values). With ``exact`` only those very types are branches: a namedtuple is a leaf, as
    ``write`` takes it."""
    if not (type(value) in kinds if exact else isinstance(value, kinds)):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [leaf for item in items for leaf in leaves(item, kinds, exact)]


def write(value, leaf, dicts=False):
    """A returned value as a plain tree: exactly a tuple or a list is ``{TUPLE or LIST:
    [items]}``; with ``dicts``, exactly a dict is a dict (its keys strings not starting with
    the tags' "$"); anything else is ``leaf(value)``."""
    kind = type(value)
    if dicts and kind is dict:
        bad = [key for key in value if not isinstance(key, str) or key.startswith(PREFIX)]
        if bad:
            raise TypeError(f"an operation's dict keys must be strings not starting with '$', got {bad[0]!r}")
        return {key: write(item, leaf, dicts) for key, item in value.items()}
    if kind in SEQUENCES:
        return {SEQUENCES[kind]: [write(item, leaf, dicts) for item in value]}
    return leaf(value)


def write_arguments(value, leaf, keys=object):
    """A call's arguments as a plain tree: any tuple is ``{TUPLE: [items]}``, any list a
    list, any dict whose keys are all ``keys`` a dict; anything else is ``leaf(value)``."""
    if isinstance(value, tuple):
        return {TUPLE: [write_arguments(v, leaf, keys) for v in value]}
    if isinstance(value, list):
        return [write_arguments(v, leaf, keys) for v in value]
    if isinstance(value, dict) and all(isinstance(k, keys) for k in value):
        return {k: write_arguments(v, leaf, keys) for k, v in value.items()}
    return leaf(value)


def rebuild(node, tags):
    """A plain tree with each tagged node replaced: ``tags`` is {tag: make}, tried in its
    order; a node holding a tag becomes ``make(node)``, except that ``make`` = ``tuple`` or
    ``list`` makes that sequence of the rebuilt items of ``node[tag]``. Lists and the other
    dicts are rebuilt item by item; everything else stays as it is."""
    # plain recursion, no closure: a closure that calls itself is a reference cycle, which
    # would keep ``tags`` (and the objects its functions belong to) alive until the cyclic
    # garbage collector runs; a served call (served.py) must go as soon as its graph does
    if isinstance(node, list):
        return [rebuild(item, tags) for item in node]
    if not isinstance(node, dict):
        return node
    for tag, make in tags.items():
        if tag in node:
            if make is tuple:
                return tuple(rebuild(item, tags) for item in node[tag])
            if make is list:
                return [rebuild(item, tags) for item in node[tag]]
            return make(node)
    return {key: rebuild(value, tags) for key, value in node.items()}


def tagged(node, tag):
    """The dicts of a plain tree that hold ``tag``, in order (and those inside them)."""
    if isinstance(node, dict):
        if tag in node:
            yield node
        for value in node.values():
            yield from tagged(value, tag)
    elif isinstance(node, list):
        for value in node:
            yield from tagged(value, tag)


def pairs(node, other):
    """The leaves of two plain trees side by side, in order: ``(leaf, other's leaf)``, where
    a leaf is a tensor node (a dict holding TENSOR) or what is neither a dict nor a list;
    ``None`` where ``other`` parts from ``node``'s shape (a dict's keys, a list's length).
    Lazy, in the order of the walk: a caller's ``all`` stops at the first pair it refuses,
    a None included, before it looks further."""
    if isinstance(node, dict) and TENSOR not in node:
        if not (isinstance(other, dict) and node.keys() == other.keys()):
            yield None
            return
        for key in node:
            yield from pairs(node[key], other[key])
    elif isinstance(node, list):
        if not (isinstance(other, list) and len(node) == len(other)):
            yield None
            return
        for a, b in zip(node, other):
            yield from pairs(a, b)
    else:
        yield node, other
