"""The float64 tolerances' margins, measured: how far a float32 constant and a float32
computation move each float64 check's two quantities, against the tolerance between them.

    .venv/bin/python benchmarks/float64_margins.py

For the tensor-only functions with a float64 part, on float64 inputs drawn as the checks
draw them, it prints (as the checks scale them: by max(1, the largest expected magnitude))
- the value error of the float32-constants variant (harmless) and of the float32-computation
  variant (the mistake), against rtol64/atol64;
- the error in the result's change under a relative input step of step64, as a multiple
  of its tolerance (autograder/grader/checking.py, change_error: ≤ 1 passes).
"""
import importlib
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.grader.checking import change_error  # noqa: E402
from autograder.grader import assignment  # noqa: E402
from autograder.grader.values import Returned  # noqa: E402
from tests.corpus.precision import float32_computation_sources, float32_constant_sources  # noqa: E402
from tests.submissions import MODULES, flat_source  # noqa: E402

g = torch.Generator().manual_seed(0)


def normal(*shape, scale=1.0):
    return torch.randn(*shape, generator=g, dtype=torch.float64) * scale


def simplex(*shape):
    return torch.softmax(normal(*shape), -1)


CALLS = {
    "vae.log_normal_diag": lambda: (normal(7, 4), normal(7, 4), normal(7, 4)),
    "vae.kl_standard_normal": lambda: (normal(8, 5), normal(8, 5)),
    "vae.kl_diag_gaussians": lambda: tuple(normal(8, 5) for _ in range(4)),
    "vae.bernoulli_log_likelihood": lambda: ((torch.rand(6, 10, generator=g) < 0.5).double(), normal(6, 10, scale=3)),
    "vae.sample_gaussian": lambda: (normal(6, 4), normal(6, 4), normal(6, 4)),
    "iwae.log_mean_exp": lambda: (normal(6, 5) * 3000.0, 1),
    "gmvae.log_normal_mixture": lambda: (normal(6, 3), normal(5, 3), normal(5, 3, scale=0.5)),
    "gmvae.gmvae_kl_estimate": lambda: (normal(6, 3), normal(6, 3), normal(6, 3, scale=0.5), normal(4, 3),
                                        normal(4, 3, scale=0.5)),
    "discriminator.optimal_discriminator": lambda: (normal(20, scale=3), normal(20, scale=3)),
    "divergences.kl_conjugate": lambda: (normal(10, scale=2),),
    "divergences.nwj_bound": lambda: (normal(30) + 0.5, normal(40)),
    "divergences.dv_bound": lambda: (normal(30) + 0.5, normal(40)),
    "divergences.kl_discrete": lambda: (simplex(5, 6), simplex(5, 6)),
    "divergences.js_discrete": lambda: (simplex(5, 6), simplex(5, 6)),
    "divergences.wasserstein_1d": lambda: (normal(50), normal(50, scale=2) + 1),
    "gan.discriminator_loss": lambda: (normal(16, scale=2), normal(16, scale=2)),
    "gan.generator_loss_ml": lambda: (normal(16, scale=2),),
}


def load(sources, folder):
    """{module: module object} of one variant written to ``folder``."""
    for name in MODULES:
        sys.modules.pop(name, None)
        (folder / f"{name}.py").write_text(sources[name])
    sys.path.insert(0, str(folder))
    try:
        return {name: importlib.import_module(name) for name in MODULES}
    finally:
        sys.path.remove(str(folder))
        for name in MODULES:
            sys.modules.pop(name, None)


def call(modules, qualified, args, step=0.0):
    module, name = qualified.split(".")
    moved = [a * (1 + step * (torch.rand(a.shape, generator=torch.Generator().manual_seed(1),
                                         dtype=torch.float64) * 2 - 1)) if torch.is_tensor(a) else a for a in args]
    if qualified == "vae.sample_gaussian":
        return getattr(modules[module], name)(moved[0], moved[1], eps=moved[2])
    return getattr(modules[module], name)(*moved)


def scaled_error(got, want):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    finite = np.isfinite(want)
    return float(np.abs(got - want)[finite].max() / max(1.0, np.abs(want[finite]).max()))


def returned(array):
    return Returned(np.asarray(array, dtype=np.float64), "float64", "cpu", False)


def main():
    spec = next(iter(assignment.load(ROOT / "course.yaml").tests.values()))
    with tempfile.TemporaryDirectory() as scratch:
        variants = {}
        for label, sources in (("reference", {m: flat_source(m) for m in MODULES}),
                               ("float32 constants", float32_constant_sources()),
                               ("float32 computation", float32_computation_sources())):
            folder = Path(scratch) / label.replace(" ", "_")
            folder.mkdir()
            variants[label] = load(sources, folder)
    print(f"tolerances: values rtol64 = atol64 = {spec.rtol64:g}; resolution: step {spec.step64:g}, "
          f"rtol {spec.step64_rtol:g}, atol {spec.step64_atol:g}\n")
    print("| function | value error: float32 constants / computation | change error ÷ tolerance: constants / computation |")
    print("|---|---|---|")
    worst = {"vc": 0.0, "vp": np.inf, "rc": 0.0, "rp": np.inf}
    for qualified, make in CALLS.items():
        args = make()
        row = {}
        for label, modules in variants.items():
            with torch.no_grad():
                row[label] = (returned(call(modules, qualified, args)), returned(call(modules, qualified, args, spec.step64)))
        want0, want1 = row["reference"]
        vc = scaled_error(row["float32 constants"][0].array, want0.array)
        vp = scaled_error(row["float32 computation"][0].array, want0.array)
        rc = change_error(*row["float32 constants"], want0, want1, spec)[0]
        rp = change_error(*row["float32 computation"], want0, want1, spec)[0]
        worst = {"vc": max(worst["vc"], vc), "vp": min(worst["vp"], vp), "rc": max(worst["rc"], rc),
                 "rp": min(worst["rp"], rp)}
        print(f"| {qualified} | {vc:.1e} / {vp:.1e} | {rc:.1e} / {rp:.1e} |")
    print(f"\nlargest harmless / smallest mistake: values {worst['vc']:.1e} / {worst['vp']:.1e} "
          f"(the value tolerance is not what separates them); change ÷ tolerance {worst['rc']:.1e} / {worst['rp']:.1e}")


if __name__ == "__main__":
    main()
