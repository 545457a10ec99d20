"""Every model module of this folder, star-imported (extra files included)."""
import importlib
from pathlib import Path

for _file in sorted(Path(__file__).parent.glob("*.py")):
    if _file.stem != "__init__":
        _module = importlib.import_module(f"{__name__}.{_file.stem}")
        globals().update({k: v for k, v in vars(_module).items() if not k.startswith("_")})
