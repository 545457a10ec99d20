"""`autograder batch --scheduler`: the same batch on a Dask cluster (here a local one)."""
import json

import pytest

from autograder.grader.results import validate
from autograder.workflows.batch import Batch, find_submissions
from tests.submissions import ROOT, reference_submission

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


def test_batch_on_a_local_dask_cluster(tmp_path):
    reference_submission(tmp_path / "class" / "correct")
    (tmp_path / "class" / "template").mkdir()
    for path in (ROOT / "student_template").iterdir():
        (tmp_path / "class" / "template" / path.name).write_text(path.read_text())
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        batch = Batch(find_submissions(tmp_path / "class"), tmp_path / "graded", seed=3, progress=False)
        scores = batch.run(scheduler=cluster.scheduler_address).scores
    assert scores == {"correct": 100, "template": 0}
    for name in scores:
        validate(json.loads((tmp_path / "graded" / name / "results.json").read_text()))
        assert "input seed: 3" in (tmp_path / "graded" / name / "grader.log").read_text()
