"""The network families (v1: MNIST MLPs), each star-imported as a module: ``nns.v1``."""
import importlib
from pathlib import Path

for _file in sorted(Path(__file__).parent.glob("*.py")):
    if _file.stem != "__init__":
        globals()[_file.stem] = importlib.import_module(f"{__name__}.{_file.stem}")
