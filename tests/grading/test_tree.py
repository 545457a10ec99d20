"""The value trees of worker/tree.py: the tag registry, the dtype names, and the walks'
rules (which containers are branches, how tags are tried, shapes that part)."""
import collections

import numpy as np
import pytest
import torch

from autograder.worker import protocol, tree, wire


def test_the_tags_are_distinct_and_reserved():
    assert len(tree.TAGS) == 10 and all(tag.startswith(tree.PREFIX) for tag in tree.TAGS)
    assert set(tree.SEQUENCES.values()) <= tree.TAGS
    assert wire.ARRAYS == tree.ARRAYS and tree.ARRAYS in protocol.RESERVED
    with pytest.raises(TypeError, match="not starting with"):  # a plugin's dict cannot forge a tag
        protocol.pack_plain({tree.TENSOR: 0}, [])


def test_a_dtype_name_reads_back_as_its_dtype():
    for dtype in (torch.float32, torch.float64, torch.int64, torch.bool, torch.complex64, torch.bfloat16):
        assert tree.torch_dtype(tree.dtype_name(dtype)) is dtype
    assert tree.dtype_name(np.dtype("float32")) == "float32" and tree.torch_dtype("double") is torch.float64
    for name in ("load", "Tensor", "__class__", "torch.float32"):  # a name that is no dtype is refused
        with pytest.raises(KeyError):
            tree.torch_dtype(name)


def test_leaves_by_kind_and_by_exact_type():
    pair = collections.namedtuple("Pair", "a b")
    value = (1, [2, {"k": 3}], pair(4, 5))
    assert tree.leaves(value) == [1, 2, 3, 4, 5]
    assert tree.leaves(value, (tuple, list)) == [1, 2, {"k": 3}, 4, 5]
    assert tree.leaves(value, (tuple, list), exact=True) == [1, 2, {"k": 3}, pair(4, 5)]


def test_rebuild_tries_the_tags_in_order_and_leaves_the_rest():
    node = [{"$t": 0, "$meta": [2]}, {"$tuple": [1, {"$list": [2]}]}, {"k": {"$t": 1}}, 3]
    first = tree.rebuild(node, {"$meta": lambda n: "meta", "$t": lambda n: f"t{n['$t']}", "$tuple": tuple})
    assert first == ["meta", (1, {"$list": [2]}), {"k": "t1"}, 3]
    second = tree.rebuild(node, {"$t": lambda n: f"t{n['$t']}", "$tuple": tuple, "$list": list})
    assert second == ["t0", (1, [2]), {"k": "t1"}, 3]


def test_pairs_stop_where_the_shapes_part():
    a = {"x": [1, {"$t": 0}], "y": 2.0}
    assert list(tree.pairs(a, {"x": [1, {"$t": 5}], "y": 3})) == [(1, 1), ({"$t": 0}, {"$t": 5}), (2.0, 3)]
    assert list(tree.pairs(a, {"x": [1], "y": 2.0}))[0] is None
    assert None in tree.pairs(a, {"x": [1, {"$t": 0}]})
    assert list(tree.tagged([a, {"m": {"$module": "mlp", "name": "n"}}], "$module")) == [{"$module": "mlp", "name": "n"}]


def test_a_returned_value_and_its_answer_tree_round_trip():
    arrays = []
    value = (torch.ones(2), [1, float("inf"), None, "s"], {"not": "data"})
    node = protocol.pack(value, arrays)
    assert node["$tuple"][2] == {"$other": "builtins.dict"}  # a student's dict is not data
    back = protocol.unpack(node, arrays, lambda array, leaf: array.tolist(), lambda name: name)
    assert back == ([1.0, 1.0], [1, float("inf"), None, "s"], "builtins.dict")
