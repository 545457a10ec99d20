"""gmvae.py: the mixture prior and the single-sample KL estimate."""
import math




def test_log_normal_mixture(grader, draw):
    z, means, logvars = draw.normal(6, 3), draw.normal(5, 3), draw.normal(5, 3, scale=0.5)
    grader.values_and_float64("gmvae.log_normal_mixture", z, means, logvars,
                              offsets={"log M (the components weigh 1/M each: subtract log M)": math.log(5)})
    with grader.part("stable far from every component (log-sum-exp over components)", needs="values"):
        grader.check("gmvae.log_normal_mixture", z * 40.0, means, logvars - 2.0)
    with grader.part("gradients"):
        grader.check_gradients("gmvae.log_normal_mixture",
                               [z.requires_grad_(), means.requires_grad_(), logvars.requires_grad_()],
                               ["z", "means", "logvars"], [draw.normal(6)])


def test_gmvae_kl_estimate(grader, draw):
    args = [draw.normal(6, 3), draw.normal(6, 3), draw.normal(6, 3, scale=0.5), draw.normal(4, 3),
            draw.normal(4, 3, scale=0.5)]
    grader.values_and_float64("gmvae.gmvae_kl_estimate", *args,
                              offsets={"log M (the prior's components weigh 1/M each)": -math.log(4)})
