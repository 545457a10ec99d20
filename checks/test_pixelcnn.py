"""pixelcnn.py: causal masks, MaskedConv2d and receptive fields."""
from torch.nn import functional as F

from autograder.api import Mismatch, Net, assert_close

OTHER = {"A": "B", "B": "A"}


def causal_mask(grader, size, kind):
    """The reference's mask (a tensor); asked of the grader, so that the checks hold no solution."""
    return grader.run_reference("pixelcnn.causal_mask", size, kind).value.tensor()


def test_causal_mask(grader, draw):
    for size in (3, 5, 7):
        with grader.part(f"masks A and B, {size}×{size}"):
            for kind in "AB":
                grader.check("pixelcnn.causal_mask", size, kind,
                             mistakes={"masks A and B are swapped (only B includes the centre)": causal_mask(grader, size, OTHER[kind])})
    with grader.part("ValueError for an even or non-positive size, or a type other than A/B",
               needs=[f"masks A and B, {size}×{size}" for size in (3, 5, 7)]):
        for args in [(4, "A"), (0, "B"), (3, "C")]:
            error = grader.student_error("pixelcnn.causal_mask", *args)
            if error is None or error["type"] != "ValueError":
                raise Mismatch(f"causal_mask{args}: expected ValueError, got "
                               f"{'no error' if error is None else error['type']}")


def _trace(outcome, what, spec, mistakes):
    """``mistakes``: for each step, {description: the output that mistake gives}."""
    got, want = outcome.got.value, outcome.want.value
    if not isinstance(got, dict) or not got.get("is_conv2d"):
        raise Mismatch(f"{what}: MaskedConv2d must be a subclass of torch.nn.Conv2d")
    for step, (g, w) in enumerate(zip(got["trace"], want["trace"])):
        label = "before any step" if step == 0 else f"after {step} SGD step{'s' * (step > 1)}"
        assert_close(g["output"], w["output"], f"{what}: output {label}", mistakes=mistakes[step],
                     **spec.tolerance("float32"))
        assert_close(g["grad_x"], w["grad_x"], f"{what}: gradient w.r.t. the input {label}",
                     **spec.tolerance("float32"))


def test_masked_conv2d(grader, draw):
    for kind, steps, name in [("A", 0, "type A: outputs and input gradients"),
                              ("B", 0, "type B: outputs and input gradients"),
                              ("A", 2, "still masked after optimizer steps (mask in every forward)")]:
        with grader.part(name):
            size = 5
            extra = {"ctor": [2, 3, size, kind], "weight": draw.normal(3, 2, size, size), "bias": draw.normal(3),
                     "x": draw.normal(2, 2, 7, 7), "cotangent": draw.normal(2, 3, 7, 7), "lr": 0.05, "steps": steps}
            outcome = grader.run("pixelcnn.MaskedConv2d", op="masked_conv", extra=extra)
            swapped = grader.run_reference("pixelcnn.MaskedConv2d", op="masked_conv",
                                           extra={**extra, "ctor": [2, 3, size, OTHER[kind]]}).value["trace"]
            mistakes = [{"masks A and B are swapped (only B includes the centre)": s["output"].tensor()}
                        for s in swapped]
            mistakes[0]["the output of the unmasked weight: multiply the weight by the mask in every forward (a "
                        "weight set or updated after construction is not masked)"] = \
                F.conv2d(extra["x"], extra["weight"], extra["bias"], padding=size // 2)
            _trace(outcome, f"MaskedConv2d({', '.join(map(repr, extra['ctor']))})", grader.spec, mistakes)


def conv_stack(grader, draw, kinds, channels=(1, 3, 2)):
    """Plain convolutions whose weights are already masked, so the check does not depend on
    the student's MaskedConv2d; positive weights, so gradients of channels cannot cancel."""
    layers = []
    for kind, c_in, c_out in zip(kinds, channels[:-1], channels[1:]):
        weight = (draw.normal(c_out, c_in, 3, 3).abs() + 0.1) * causal_mask(grader, 3, kind)
        layers.append((weight, draw.normal(c_out, scale=0.1).abs()))
    return Net("model", layers, kind="conv", padding=1)


def test_receptive_field(grader, draw):
    with grader.part("the four two-layer fields of the contract (5×5, pixel 33)", 2):
        for kinds in ("AA", "AB", "BA", "BB"):
            grader.check("pixelcnn.receptive_field", conv_stack(grader, draw, kinds), 1, 5, 5, 2, 2,
                         what=f"receptive_field of {kinds[0]} then {kinds[1]}")
    with grader.part("three layers, another pixel, a non-square image"):
        row = draw.integers(2, 6)
        col = (row + draw.integers(1, 7)) % 8  # never equal to row, so a swap of the two shows
        model = conv_stack(grader, draw, "ABB", (2, 3, 3, 2))
        mistakes = {} if col >= 7 else {  # the 7 rows have no pixel (col, row) there
            "the field of pixel (col, row): row and column swapped (the output is indexed [..., row, col])":
                grader.run_reference("pixelcnn.receptive_field", model, 2, 7, 9, col, row).value.tensor()}
        grader.check("pixelcnn.receptive_field", model, 2, 7, 9, row, col, mistakes=mistakes)
