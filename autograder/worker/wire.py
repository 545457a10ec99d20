"""Plain-data frames between the grader and the worker: JSON plus raw ``.npy`` arrays.

A frame is ``!Q`` header length, the UTF-8 JSON header, then for every array named in the
header ``!Q`` length and the ``.npy`` bytes. Arrays are read with ``allow_pickle=False``
and only numeric or boolean dtypes are accepted, so no frame can carry code. This module
needs only numpy, so both sides can load it.
"""
import io
import json
import struct

import numpy as np

LENGTH = struct.Struct("!Q")
MAX_FRAME_BYTES = 64 << 20
ALLOWED_KINDS = "biufc"  # bool, signed, unsigned, float, complex


class WireError(Exception):
    """The peer sent something that is not a well-formed frame."""


def encode(header, arrays=()):
    """Bytes of one frame: ``header`` is JSON-serializable, ``arrays`` a list of ndarrays."""
    body = json.dumps({**header, "n_arrays": len(arrays)}, allow_nan=True).encode()
    parts = [LENGTH.pack(len(body)), body]
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)  # keeps 0-d arrays 0-d
        parts += [LENGTH.pack(buffer.tell()), buffer.getvalue()]
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


def decode(read):
    """Read one frame with ``read(n) -> bytes``; returns ``(header, arrays)``."""
    budget = [MAX_FRAME_BYTES]
    (size,) = LENGTH.unpack(_read_exactly(read, LENGTH.size, budget))
    try:
        header = json.loads(_read_exactly(read, size, budget))
        count = int(header.pop("n_arrays"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WireError(f"malformed header: {exc}") from None
    arrays = []
    for _ in range(count):
        (size,) = LENGTH.unpack(_read_exactly(read, LENGTH.size, budget))
        blob = _read_exactly(read, size, budget)
        try:
            array = np.load(io.BytesIO(blob), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise WireError(f"malformed array: {exc}") from None
        if type(array) is not np.ndarray or array.dtype.kind not in ALLOWED_KINDS:
            raise WireError(f"array of dtype {array.dtype} is not plain numeric data")
        arrays.append(array)
    return header, arrays
