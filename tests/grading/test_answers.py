"""answers.yaml grading: sympy equivalence, sets, choices; student strings never run."""
import pytest
import yaml

from autograder import course
from autograder.grader.answers import AnswerError, check_tokens, grade_answers
from tests.submissions import REFERENCE

BUNDLED = course.load()


def grade(tmp_path, answers):
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers) if isinstance(answers, dict) else answers)
    return grade_answers(path, BUNDLED)


def test_reference_answers_are_all_correct():
    verdicts = grade_answers(REFERENCE / "answers.yaml", BUNDLED)
    assert all(correct for correct, _ in verdicts.values()) and len(verdicts) == 15


def test_equivalent_forms_score_the_same(tmp_path):
    verdicts = grade(tmp_path, {
        "parallel_lines": {"w": "sqrt(theta**2)", "jsd": "log(4)/2", "kl_pq": "oo"},
        "gan_global_minimum": "-2*log(2)", "kl_convex_conjugate": "exp(t)/E", "ml_gan_f": "-exp(a)",
        "aevb_kl_grad_sigma": "(1 - sigma^2)/sigma", "aevb_kl_grad_mu": "-mu",
        "receptive_fields": {"AA": [31, 23, 22, 21, 15, 14, 13, 12, 11]}, "bound_order": "  r2 "})
    for key in ("parallel_lines.w", "parallel_lines.jsd", "parallel_lines.kl_pq", "gan_global_minimum",
                "kl_convex_conjugate", "aevb_kl_grad_sigma", "receptive_fields.AA", "bound_order"):
        assert verdicts[key][0], (key, verdicts[key])


def test_wrong_and_missing_answers(tmp_path):
    verdicts = grade(tmp_path, {"parallel_lines": {"kl_qp": "1", "w": "theta"}, "bound_order": "R3",
                                "receptive_fields": {"BB": [11, 12]}, "aevb_kl_grad_mu": "mu"})
    assert verdicts["parallel_lines.kl_qp"] == (False, "not equivalent to the expected expression")
    assert not verdicts["parallel_lines.w"][0]  # |theta| differs from theta for negative theta
    assert "choose one of r1, r2" in verdicts["bound_order"][1]
    assert verdicts["receptive_fields.BB"] == (False, "not the right set")
    assert verdicts["disjoint_jsd"] == (False, "no answer given")


@pytest.mark.parametrize("text", ["__import__('os').system('touch /tmp/pwned')", "exp.__class__", "[x for x in ()]",
                                  "lambda: 1", "'a' * 10", "open('/etc/passwd')"])
def test_non_whitelisted_tokens_are_refused(text):
    with pytest.raises(AnswerError):
        check_tokens(text, BUNDLED.symbols)


def test_hostile_answers_cost_only_themselves(tmp_path):
    verdicts = grade(tmp_path, {"ml_gan_f": "9**9**9**9", "disjoint_jsd": "exp(exp(exp(exp(100))))",
                                "gan_global_minimum": "-log(4)"})
    assert verdicts["ml_gan_f"] == (False, "nested powers are not allowed")
    assert not verdicts["disjoint_jsd"][0]
    assert verdicts["gan_global_minimum"] == (True, "")


def test_unreadable_yaml_and_alias_bomb(tmp_path):
    assert "could not be read" in grade(tmp_path, "a: [unclosed\n")["bound_order"][1]
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    verdicts = grade(tmp_path, bomb)
    assert not any(correct for correct, _ in verdicts.values())


def test_answers_are_judged_when_the_grader_already_holds_much_address_space():
    """Children inherit the grader's address space; their limit must be added to it."""
    import mmap

    reserved = mmap.mmap(-1, 3 << 30)  # 3 GB of address space, never touched
    try:
        verdicts = grade_answers(REFERENCE / "answers.yaml", BUNDLED)
    finally:
        reserved.close()
    assert all(correct for correct, _ in verdicts.values())
