"""Plain-data frames between the grader and the worker: a JSON header plus raw array buffers.

A frame is ``!Q`` header length, the UTF-8 JSON header, then for every array the header
describes (``"$arrays": [[dtype name, shape], ...]``) ``!Q`` length and the array's bytes in
C order. Only the numeric and boolean dtypes of DTYPES are accepted, and each buffer's
length must be exactly its dtype's size times its shape's, so no frame can carry code and
no array is read from bytes that are not its own. The buffers are copied as they are, with
no per-array serializer: a served helper's frame is mostly its tensors. This module needs
only numpy (and tree.py's tags, which need no torch), so both sides can load it.
"""
import hashlib
import json
import math
import struct

import numpy as np

from .tree import ARRAYS  # the header key that describes the arrays

LENGTH = struct.Struct("!Q")
MAX_FRAME_BYTES = 64 << 20
MAX_DIMS = 32
DTYPES = {name: np.dtype(name).newbyteorder("<") for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128")}
_NAMES = {dtype: name for name, dtype in DTYPES.items()}


class WireError(Exception):
    """The peer sent something that is not a well-formed frame."""


def encode(header, arrays=()):
    """Bytes of one frame: ``header`` is JSON-serializable, ``arrays`` a list of ndarrays."""
    described, buffers = [], []
    for array in arrays:
        array = np.asarray(array)
        name = _NAMES.get(array.dtype.newbyteorder("<"))
        if name is None:
            raise TypeError(f"array of dtype {array.dtype} is not plain numeric data")
        described.append([name, list(array.shape)])
        array = np.ascontiguousarray(array, dtype=DTYPES[name])  # little-endian on every machine (0-d made 1-d)
        buffers.append(array.reshape(-1).view(np.uint8))
    body = json.dumps({**header, ARRAYS: described}, allow_nan=True).encode()
    parts = [LENGTH.pack(len(body)), body]
    for buffer in buffers:
        parts += [LENGTH.pack(len(buffer)), buffer]
    return b"".join(parts)


def _read_exactly(read, n, budget):
    if n > budget[0]:
        raise WireError(f"frame larger than {MAX_FRAME_BYTES} bytes")
    budget[0] -= n
    chunks, missing = [], n
    while missing:
        chunk = read(missing)
        if not chunk:
            raise EOFError("peer closed the channel")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _described(header):
    """[(dtype, shape, bytes)] of the header's arrays; WireError if any is not plain data."""
    described = header.pop(ARRAYS)
    if not isinstance(described, list):
        raise WireError("malformed header: arrays is not a list")
    out = []
    for item in described:
        if not (isinstance(item, list) and len(item) == 2 and item[0] in DTYPES and isinstance(item[1], list)
                and len(item[1]) <= MAX_DIMS and all(type(d) is int and d >= 0 for d in item[1])):
            raise WireError(f"array description {str(item)[:80]} is not a plain numeric array")
        dtype, shape = DTYPES[item[0]], tuple(item[1])
        out.append((dtype, shape, dtype.itemsize * math.prod(shape)))
    return out


def decode(read):
    """Read one frame with ``read(n) -> bytes``; returns ``(header, arrays)``. The arrays are
    writable, and views of one buffer that only they hold."""
    budget = [MAX_FRAME_BYTES]
    (size,) = LENGTH.unpack(_read_exactly(read, LENGTH.size, budget))
    try:
        header = json.loads(_read_exactly(read, size, budget))
        described = _described(header)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WireError(f"malformed header: {exc}") from None
    # every array's length and bytes in one read: the header says how many bytes follow
    body = memoryview(bytearray(_read_exactly(read, sum(LENGTH.size + n for _, _, n in described), budget)))
    arrays, at = [], 0
    for dtype, shape, expected in described:
        (size,) = LENGTH.unpack(body[at:at + LENGTH.size])
        if size != expected:
            raise WireError(f"array of {size} bytes where its description needs {expected}")
        at += LENGTH.size + size
        arrays.append(np.frombuffer(body[at - size:at], dtype=dtype).reshape(shape)
                      .astype(dtype.newbyteorder("="), copy=False))
    return header, arrays


def digest(header, arrays):
    """The identity of a request (a frame's content): a hash of its plain-data header and of
    each array's dtype, shape and bytes; the same request in any process, on any run."""
    hashed = hashlib.sha256(json.dumps(header, sort_keys=True, default=str).encode())
    for array in arrays:
        array = np.ascontiguousarray(array)
        hashed.update(f"{array.dtype.str}{array.shape}".encode())
        hashed.update(array.tobytes())
    return hashed.hexdigest()
