"""The terminal table after a grading: a failed test's line says what failed, whole words."""
from autograder.table import render


def test_a_partly_earned_test_shows_its_failure_not_what_passed():
    output = ("passed: values, gradients\n"
              "failed (float64 resolution): in float64, moving the inputs by a relative 1e-08 changes your result "
              "by 1.77e-08 where the reference's changes by 2.51e-08; part of the computation is done in float32")
    results = {"score": 2.5, "tests": [
        {"number": "1.1", "name": "elbo", "score": 2.5, "max_score": 3, "status": "failed", "output": output},
        {"number": "1.2", "name": "kl", "score": 2, "max_score": 2, "status": "passed", "output": ""}]}
    text = render(results, width=80)
    line = next(line for line in text.splitlines() if line.startswith("  1.1 "))
    assert line.startswith("  1.1 failed (float64 resolution): in float64")
    assert line.endswith(" …") and len(line) <= 80 + len("  1.1 ")
    assert line.removesuffix(" …").split()[-1] in output.split()  # cut between words, never inside one
    assert "Total: 2.5 / 5" in text
