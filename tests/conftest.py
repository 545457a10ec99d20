import collections

import pytest
import torch

CUDA = torch.cuda.is_available()


# session fixtures that grade or build much, and the modules whose tests use them: under
# pytest-xdist (the README's `-n 2`) those modules run in one process, which builds each once
SHARED = {"graded_class": "the class export", "bundled_kit": "the kits", "cs236_kit": "the kits"}
SHARING = {"tests/corpus/test_corpus.py": "the class export", "tests/corpus/test_degenerate.py": "the class export",
           "tests/corpus/test_float64.py": "the class export", "tests/workflows/test_batch.py": "the class export",
           "tests/kit/test_bundled_kit.py": "the kits", "tests/kit/test_cs236_kit.py": "the kits",
           "tests/kit/test_handout.py": "the kits", "tests/kit/test_parity.py": "the kits"}


def _module(nodeid):
    return nodeid.split("::")[0]


def _scope(nodeid):
    return SHARING.get(_module(nodeid), _module(nodeid))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Each process of pytest-xdist runs whole modules (their module fixtures are built once),
    and every module of a SHARED fixture's group; in the order collected (below)."""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _scope(nodeid)
    config.option.loadscopereorder = False  # it would order them by their number of tests
    return Scheduling(config, log)


def pytest_collection_modifyitems(items):
    # the scopes with the most slow tests first, the fast ones last, where they fill in: no
    # long module is left to run alone at the end
    slow = collections.Counter(_scope(item.nodeid) for item in items if item.get_closest_marker("slow"))
    items.sort(key=lambda item: -slow[_scope(item.nodeid)])
    unlisted = {f"{_module(item.nodeid)} uses {name}" for item in items for name in SHARED
                if name in item.fixturenames and SHARING.get(_module(item.nodeid)) != SHARED[name]}
    if unlisted:
        raise pytest.UsageError(f"tests/conftest.py: add to SHARING: {'; '.join(sorted(unlisted))}")


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
