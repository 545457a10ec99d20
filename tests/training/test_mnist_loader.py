"""The IDX loader, on the MNIST files beside the project, and the committed subset drawn from them."""
import gzip
from pathlib import Path

import numpy as np
import pytest

from autograder.data import mnist
from checks import training
from tests.submissions import ROOT

SHARED = ROOT.parent / "shared" / "data" / "mnist"
needs_mnist = pytest.mark.skipif(not SHARED.is_dir(), reason="the MNIST files are not beside the project")


@needs_mnist
def test_reads_the_mnist_test_set():
    images = mnist.read_idx(SHARED / "t10k-images-idx3-ubyte.gz")
    labels = mnist.read_idx(SHARED / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8 and labels.shape == (10000,)
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    x, y = mnist.load_idx_folder(SHARED)
    assert x.shape == (10000, 784) and set(np.unique(x)) == {0.0, 1.0}


@needs_mnist
def test_the_committed_subset_is_what_write_subset_draws(tmp_path):
    mnist.write_subset(SHARED, tmp_path / "subset.npz")
    for a, b in zip(mnist.load_subset(tmp_path / "subset.npz"), mnist.load_subset(training.SUBSET)):
        assert np.array_equal(a, b)


def test_uncompressed_files_and_bad_headers(tmp_path):
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = b"\x00\x00\x08\x03" + b"".join(n.to_bytes(4, "big") for n in data.shape) + data.tobytes()
    (tmp_path / "x-idx3-ubyte").write_bytes(raw)
    (tmp_path / "x-idx3-ubyte.gz").write_bytes(gzip.compress(raw))
    assert np.array_equal(mnist.read_idx(tmp_path / "x-idx3-ubyte"), data)
    assert np.array_equal(mnist.read_idx(tmp_path / "x-idx3-ubyte.gz"), data)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x03")
    with pytest.raises(ValueError, match="not an IDX file"):
        mnist.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(raw[:-1])
    with pytest.raises(ValueError, match="header says"):
        mnist.read_idx(tmp_path / "short")
    assert Path(training.SUBSET).stat().st_size < 200_000


@pytest.mark.slow
def test_reference_experiment_writes_its_figures(tmp_path):
    from tests.submissions import autograder
    process = autograder("experiment", "--epochs", "1", "--out", tmp_path)
    assert process.returncode == 0, process.stderr
    assert "aevb        held-out L_100 after 1 epochs" in process.stdout
    for name in ("l100", "reconstructions_aevb", "latent_wake_sleep", "manifold_aevb"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
