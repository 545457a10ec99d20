"""answers.yaml: closed-form answers, judged by sympy, as integer sets, or as choices."""
from gradescope_utils.autograder_utils.decorators import partial_credit

from autograder.grader.parts import Parts


def judge(answer_verdicts, set_score, prefixes):
    parts = Parts(set_score)
    for key, (correct, message) in answer_verdicts.items():
        if key.split(".")[0] in prefixes:
            with parts(key):
                assert correct, f"{key}: {message or 'incorrect'}"
    parts.finish()


@partial_credit(1.0)
def test_answers_divergences(answer_verdicts, set_score=None):
    judge(answer_verdicts, set_score, {"parallel_lines", "disjoint_jsd", "bound_order"})


@partial_credit(1.0)
def test_answers_objectives(answer_verdicts, set_score=None):
    judge(answer_verdicts, set_score, {"gan_global_minimum", "kl_convex_conjugate", "ml_gan_f"})


@partial_credit(1.0)
def test_answers_aevb_gradients(answer_verdicts, set_score=None):
    judge(answer_verdicts, set_score, {"aevb_kl_grad_mu", "aevb_kl_grad_sigma"})


@partial_credit(1.0)
def test_answers_receptive_fields(answer_verdicts, set_score=None):
    judge(answer_verdicts, set_score, {"receptive_fields"})
