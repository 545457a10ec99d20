import pytest
import torch

CUDA = torch.cuda.is_available()


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def device(request):
    if request.param == "cuda" and not CUDA:
        pytest.skip("CUDA is not available")
    return torch.device(request.param)


@pytest.fixture(params=[torch.float32, torch.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(1234)


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The corpus, with broken, blank and hostile extras, as a Gradescope export graded by
    ``autograder batch -j 3``, as an instructor runs it (a grading leaves a core partly
    idle while its worker starts and answers, so 3 jobs keep 2 cores busy); shared by
    the corpus's tests and the batch's. The training problem is left out (tests/training
    covers it; it would double the time). Returns the folders, {folder: (name, kind)},
    {name: results}, the full score, the process, the assignment file."""
    import json

    from tests.corpus.corpus import class_export
    from tests.submissions import assignment_file, autograder

    folder = tmp_path_factory.mktemp("class")
    kinds = class_export(folder)
    assignment = assignment_file(folder, drop=["training"])
    process = autograder("batch", folder / "export", "--out", folder / "graded", "-j", 3, "--no-progress",
                         "--assignment", assignment, timeout=3600)
    assert process.returncode == 0, process.stdout + process.stderr
    results = {name: json.loads((folder / "graded" / key / "results.json").read_text())
               for key, (name, _) in kinds.items()}
    full = sum(t["max_score"] for t in results["reference"]["tests"])
    return {"folder": folder, "kinds": kinds, "by_name": results, "full": full, "process": process,
            "assignment": assignment}
