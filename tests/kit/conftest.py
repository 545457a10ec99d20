"""One kit of each course for every test of the kit (each takes a grading to build)."""
import pytest

from tests.cs236.submissions import COURSE
from tests.kit.kits import unpacked_kit


@pytest.fixture(scope="session")
def bundled_kit(tmp_path_factory):
    return unpacked_kit(tmp_path_factory.mktemp("bundled-kit"))


@pytest.fixture(scope="session")
def cs236_kit(tmp_path_factory):
    return unpacked_kit(tmp_path_factory.mktemp("cs236-kit"), COURSE)
