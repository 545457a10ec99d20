"""MNIST in IDX format, and small binarized subsets a course commits beside its checks.

A subset (for the bundled course ``checks/data/mnist_subset.npz``: 2,000 training and 500
held-out digits of the MNIST test set, thresholded at 0.5 and bit-packed, 75 KB) is written
by ``write_subset`` and read by ``load_subset``. Full MNIST, in the original IDX files
(gzip or not), is read from a path the user gives.
"""
import gzip
from pathlib import Path

import numpy as np

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """An IDX file (optionally gzipped) as a numpy array of its declared type and shape."""
    path = Path(path)
    raw = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    if raw[:2] != b"\x00\x00" or raw[2] not in IDX_TYPES:
        raise ValueError(f"{path.name}: not an IDX file (magic {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=IDX_TYPES[raw[2]], offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path.name}: header says {shape}, found {data.size} values")
    return data.reshape(shape)


def _find(folder, kind):
    matches = sorted(Path(folder).glob(f"*{kind}-idx*-ubyte*"))
    if not matches:
        raise FileNotFoundError(f"no *{kind}-idx*-ubyte[.gz] file in {folder}")
    return matches[0]


def load_idx_folder(folder, binarize=True):
    """(images [N, 784] float32 in [0, 1] or binarized at 0.5, labels [N] int64) from the
    first ``*images-idx3-ubyte[.gz]`` and ``*labels-idx1-ubyte[.gz]`` in ``folder``."""
    images = read_idx(_find(folder, "images")).reshape(-1, 28 * 28).astype(np.float32) / 255.0
    labels = read_idx(_find(folder, "labels")).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels in {folder}")
    return ((images > 0.5).astype(np.float32) if binarize else images), labels


def write_subset(folder, target, n_train=2000, n_heldout=500, seed=0):
    """Draw the committed subset from MNIST in ``folder``: a fixed random split."""
    images, labels = load_idx_folder(folder)
    order = np.random.default_rng(seed).permutation(len(images))[:n_train + n_heldout]
    bits = np.packbits(images[order].astype(bool), axis=1)
    np.savez_compressed(target, bits=bits, labels=labels[order].astype(np.uint8), n_train=n_train)


def load_subset(path):
    """(x_train [2000, 784], y_train, x_heldout [500, 784], y_heldout); x float32 in {0, 1}."""
    with np.load(path, allow_pickle=False) as stored:
        images = np.unpackbits(stored["bits"], axis=1)[:, :28 * 28].astype(np.float32)
        labels, n = stored["labels"].astype(np.int64), int(stored["n_train"])
    return images[:n], labels[:n], images[n:], labels[n:]
