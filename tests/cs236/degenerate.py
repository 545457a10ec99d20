"""Degenerate CS236 submissions: every student function returns zeros, a constant, an
echo of its input, or noise of the right shape (its outputs carrying gradients where a
bound's must). None may earn a point on any test."""
import re

from tests.cs236.submissions import COURSE, STUDENT_FILES

TEMPLATE = COURSE / "student_template" / "codebase"
GRAD = "sum(p.sum() for p in self.parameters() if p.requires_grad)"  # a scalar that carries gradients
KINDS = {
    "zeros": {"sample_gaussian": "torch.zeros_like(m)", "log_normal": "torch.zeros(x.shape[:-1])",
              "log_normal_mixture": "torch.zeros(z.shape[0])", "bound": f"0 * {GRAD}"},
    "constant": {"sample_gaussian": "torch.ones_like(m)", "log_normal": "torch.ones(x.shape[:-1])",
                 "log_normal_mixture": "torch.ones(z.shape[0])", "bound": f"0 * {GRAD} + 100.0"},
    "echo": {"sample_gaussian": "m", "log_normal": "x.sum(-1)", "log_normal_mixture": "z.sum(-1)",
             "bound": f"x.sum() / x.shape[0] + 0 * {GRAD}"},
    "noise": {"sample_gaussian": "torch.randn_like(m)", "log_normal": "torch.randn(x.shape[:-1])",
              "log_normal_mixture": "torch.randn(z.shape[0])", "bound": f"100 * torch.rand(()) + 0 * {GRAD}"},
}
OUTPUTS = {"models/ssvae.py": 4}  # (nelbo, kl_z, kl_y, rec); the other bounds return 3


def degenerate_files(kind):
    """{path inside codebase/: source} of the template with each stub returning ``kind``."""
    returns = KINDS[kind]

    def replacer(relative):
        def replace(match):
            indent, name = match.group(1), match.group(2)
            value = returns.get(name) or ", ".join([returns["bound"]] * OUTPUTS.get(relative, 3))
            return f"{indent}return {value}"
        return replace
    stub = r'^( +)raise NotImplementedError\("(\w+): not implemented yet"\)$'
    return {relative: re.sub(stub, replacer(relative), (TEMPLATE / relative).read_text(), flags=re.M)
            for relative in STUDENT_FILES}
