"""gmvae.py: the mixture prior and the single-sample KL estimate."""
import math

from gradescope_utils.autograder_utils.decorators import partial_credit

from autograder.grader.checking import check, check_gradients, values_and_float64
from autograder.grader.parts import Parts


@partial_credit(1.0)
def test_log_normal_mixture(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    z, means, logvars = draw.normal(6, 3), draw.normal(5, 3), draw.normal(5, 3, scale=0.5)
    values_and_float64(parts, remote, spec, "gmvae.log_normal_mixture", z, means, logvars,
                       offsets={"log M (the components weigh 1/M each: subtract log M)": math.log(5)})
    with parts("stable far from every component (log-sum-exp over components)", needs="values"):
        check(remote, spec, "gmvae.log_normal_mixture", z * 40.0, means, logvars - 2.0)
    with parts("gradients"):
        check_gradients(remote, spec, "gmvae.log_normal_mixture",
                        [z.requires_grad_(), means.requires_grad_(), logvars.requires_grad_()],
                        ["z", "means", "logvars"], [draw.normal(6)])
    parts.finish()


@partial_credit(1.0)
def test_gmvae_kl_estimate(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    args = [draw.normal(6, 3), draw.normal(6, 3), draw.normal(6, 3, scale=0.5), draw.normal(4, 3),
            draw.normal(4, 3, scale=0.5)]
    values_and_float64(parts, remote, spec, "gmvae.gmvae_kl_estimate", *args,
                       offsets={"log M (the prior's components weigh 1/M each)": -math.log(4)})
    parts.finish()
