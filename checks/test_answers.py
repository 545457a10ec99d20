"""answers.yaml: closed-form answers, judged by sympy, as integer sets, or as choices."""


def judge(grader, answer_verdicts, prefixes):
    for key, (correct, message) in answer_verdicts.items():
        if key.split(".")[0] in prefixes:
            with grader.part(key):
                assert correct, f"{key}: {message or 'incorrect'}"


def test_answers_divergences(grader, answer_verdicts):
    judge(grader, answer_verdicts, {"parallel_lines", "disjoint_jsd", "bound_order"})


def test_answers_objectives(grader, answer_verdicts):
    judge(grader, answer_verdicts, {"gan_global_minimum", "kl_convex_conjugate", "ml_gan_f"})


def test_answers_aevb_gradients(grader, answer_verdicts):
    judge(grader, answer_verdicts, {"aevb_kl_grad_mu", "aevb_kl_grad_sigma"})


def test_answers_receptive_fields(grader, answer_verdicts):
    judge(grader, answer_verdicts, {"receptive_fields"})
