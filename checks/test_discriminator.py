"""discriminator.py: the optimal discriminator and the density it encodes."""
import torch



def test_optimal_discriminator(grader, draw):
    log_p, log_q = draw.normal(20, scale=3.0), draw.normal(20, scale=3.0)
    grader.values_and_float64("discriminator.optimal_discriminator", log_p, log_q, mistakes={
        "inverted: D* = p_data / (p_data + p_model), not p_model / (...)": torch.sigmoid(log_q - log_p)})
    with grader.part("stable for log-densities of ±1e4", needs="values"):
        far_p, far_q = log_p * 3000, log_q * 3000
        grader.check("discriminator.optimal_discriminator", far_p, far_q, mistakes={
            "the densities exp(log p) formed before the ratio: they overflow to inf or underflow to 0 at "
            "log-densities of ±1e4 (work with log_p_data − log_p_model)":
                torch.exp(far_p) / (torch.exp(far_p) + torch.exp(far_q))})


def test_log_density_from_discriminator(grader, draw):
    log_f0, d = draw.normal(20), draw.uniform(20, low=0.05, high=0.95)
    with grader.part("values", 2):
        grader.check("discriminator.log_density_from_discriminator", log_f0, d,
                     mistakes={"the ratio inverted: log f1 = log f0 + log D − log(1 − D)":
                        log_f0 + torch.log1p(-d) - torch.log(d)})
    with grader.part("float64 (D near 0 and 1 too)"):
        grader.check_float64("discriminator.log_density_from_discriminator", log_f0.double(), d.double())
        near = torch.tensor([1e-12, 1e-6, 0.5, 1 - 1e-6, 1 - 1e-12], dtype=torch.float64)
        grader.check("discriminator.log_density_from_discriminator", log_f0[:5].double(), near)
