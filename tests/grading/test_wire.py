"""The plain-data codec: what crosses the boundary is numbers and JSON, nothing else."""
import io
import json
import pickle
import struct

import numpy as np
import pytest

from autograder.worker import wire


def roundtrip(data):
    return wire.decode(io.BytesIO(data).read)


def test_roundtrip_keeps_shapes_dtypes_and_0d():
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.array(2.5), np.array([True, False])]
    header, back = roundtrip(wire.encode({"ok": True, "value": {"$t": 0}}, arrays))
    assert header == {"ok": True, "value": {"$t": 0}}
    for a, b in zip(arrays, back):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def test_every_plain_dtype_travels_little_endian_and_writable():
    arrays = [np.arange(4, dtype=name).reshape(2, 2) for name in wire.DTYPES if name != "bool"]
    arrays += [np.arange(3, dtype=">f8"), np.zeros((0, 3), np.float32), np.arange(6.0)[::2]]
    _, back = roundtrip(wire.encode({}, arrays))
    for a, b in zip(arrays, back):
        assert np.array_equal(a, b) and a.shape == b.shape and b.dtype.isnative and b.flags.writeable


def frame_with_blob(blob, described):
    body = json.dumps({"$arrays": [described]}).encode()
    return struct.pack("!Q", len(body)) + body + struct.pack("!Q", len(blob)) + blob


def test_object_arrays_pickles_and_mismatched_lengths_are_refused():
    with pytest.raises(TypeError):
        wire.encode({}, [np.array([object()], dtype=object)])
    for described in (["object", [1]], ["O", [1]], ["float32", [-1]], ["float32", [1.5]], ["float32", "3"],
                      ["float32", [1] * 40], "float32"):
        with pytest.raises(wire.WireError):
            roundtrip(frame_with_blob(b"\0" * 8, described))
    with pytest.raises(wire.WireError, match="description needs"):
        roundtrip(frame_with_blob(pickle.dumps({"a": 1}), ["float32", [2]]))


def test_oversized_and_truncated_frames_are_refused():
    with pytest.raises(wire.WireError, match="larger than"):
        roundtrip(struct.pack("!Q", wire.MAX_FRAME_BYTES + 1))
    with pytest.raises(EOFError):
        roundtrip(wire.encode({"a": 1})[:-2])
    with pytest.raises(wire.WireError, match="malformed header"):
        roundtrip(struct.pack("!Q", 3) + b"{{{")


def test_an_operations_keys_cannot_replace_the_protocols():
    from autograder.worker import protocol

    header, _ = protocol.request("m.f", [], {}, seed=7, op="train", extra={"data": None})
    assert header["function"] == "m.f" and header["seed"] == 7 and "data" in header
    for key in ("function", "seed", "args", "dtype"):
        with pytest.raises(ValueError, match="may not replace"):
            protocol.request("m.f", [], {}, seed=7, op="train", extra={key: "forged"})
