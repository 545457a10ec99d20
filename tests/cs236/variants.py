"""Single-mistake variants of the CS236 reference, one per classic bug of the contract's §7b
(and the mistakes seen in students' utils.py). Each edits one file of ``codebase/`` (the
edit must apply exactly once) and names the contract functions whose tests must lose
points (``must``); no other test may (a function over the broken one is served the
grader's helpers, autograder/worker/served.py).

``combined`` packs variants into few submissions to keep the suite short: variants whose
functions are disjoint, at most one per function, so that each test still
sees exactly one mistake. A model's test cannot see a utils mistake (the grader serves its
helpers) and the model files do not import each other, so a combined submission loses
exactly the union of its variants' points; a dedicated submission with every utils
function wrong shows the first of these."""
import dataclasses

from tests.cs236.submissions import REFERENCE


@dataclasses.dataclass(frozen=True)
class Variant:
    name: str
    file: str
    old: str
    new: str
    must: frozenset

    @property
    def functions(self):
        return self.must

    def applies(self, text):
        return text.count(self.old) == 1

    def apply(self, text=None):
        text = (REFERENCE / self.file).read_text() if text is None else text
        assert self.applies(text), f"{self.name}: the edit no longer applies to {self.file}"
        return text.replace(self.old, self.new)


def variant(name, file, old, new, must):
    return Variant(name, file, old, new, frozenset(must))


SAMPLE, LOG_NORMAL, MIXTURE = "utils.sample_gaussian", "utils.log_normal", "utils.log_normal_mixture"
VAE_ELBO, VAE_IWAE = "models.vae.VAE.negative_elbo_bound", "models.vae.VAE.negative_iwae_bound"
GM_ELBO, GM_IWAE = "models.gmvae.GMVAE.negative_elbo_bound", "models.gmvae.GMVAE.negative_iwae_bound"
SS_ELBO = "models.ssvae.SSVAE.negative_elbo_bound"
NOISE = "    eps = torch.randn_like(m)\n"
VAE_KL_REC = ("        kl = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).mean()\n"
              "        rec = -ut.log_bernoulli_with_logits(x, self.dec(z)).mean()\n")
VAE_WEIGHTS = "        log_w = (log_px_z - log_q_over_p).reshape(iw, -1)  # (iw, B)\n"
GM_KL = "        kl = (ut.log_normal(z, m, v) - ut.log_normal_mixture(z, *prior)).mean()\n"
SS_WEIGHTED = ("        kl_z = (y_prob.t() * kl_z_per_y).sum(0).mean()\n"
               "        rec = (y_prob.t() * rec_per_y).sum(0).mean()\n")

VARIANTS = [
    # utils.sample_gaussian
    variant("uniform noise", "utils.py", NOISE, "    eps = torch.rand_like(m)\n", [SAMPLE]),
    variant("v used as a standard deviation in the sampler", "utils.py", "    return m + v.sqrt() * eps",
            "    return m + v * eps", [SAMPLE]),
    variant("not reparameterized: Normal(m, √v).sample()", "utils.py", "    return m + v.sqrt() * eps",
            "    return torch.distributions.Normal(m, v.sqrt()).sample()", [SAMPLE]),
    variant("a per-row .sample() loop", "utils.py", "    return m + v.sqrt() * eps",
            "    return torch.stack([torch.distributions.Normal(m[i], v[i].sqrt()).sample() for i in range(len(m))])",
            [SAMPLE]),
    variant("noise made on the CPU", "utils.py", NOISE, "    eps = torch.randn(m.shape)\n", [SAMPLE]),
    variant("the generator reseeded in every call", "utils.py", NOISE, "    torch.manual_seed(0)\n" + NOISE, [SAMPLE]),
    # utils.log_normal (the reference's mixture reuses it)
    variant("v used as a standard deviation in log_normal", "utils.py",
            "    elementwise = math.log(2 * math.pi) + torch.log(v) + (x - m) ** 2 / v\n",
            "    elementwise = math.log(2 * math.pi) + 2 * torch.log(v) + (x - m) ** 2 / v ** 2\n",
            [LOG_NORMAL]),
    variant("log_normal's 2π term counted by m's last dimension (breaks the VAE's (1,) prior)", "utils.py",
            "    elementwise = math.log(2 * math.pi) + torch.log(v) + (x - m) ** 2 / v\n"
            "    return -0.5 * elementwise.sum(-1)",
            "    d = m.shape[-1]\n"
            "    return -0.5 * (d * math.log(2 * math.pi) + (torch.log(v) + (x - m) ** 2 / v).sum(-1))", [LOG_NORMAL]),
    variant("the ½ missing in log_normal", "utils.py", "    return -0.5 * elementwise.sum(-1)",
            "    return -elementwise.sum(-1)", [LOG_NORMAL]),
    variant("the 2π term missing", "utils.py",
            "    elementwise = math.log(2 * math.pi) + torch.log(v) + (x - m) ** 2 / v\n",
            "    elementwise = torch.log(v) + (x - m) ** 2 / v\n", [LOG_NORMAL]),
    variant("log_normal not summed over the last dim", "utils.py", "    return -0.5 * elementwise.sum(-1)",
            "    return -0.5 * elementwise", [LOG_NORMAL]),
    # utils.log_normal_mixture
    variant("the mixture taken per dimension", "utils.py",
            "    per_component = log_normal(z.unsqueeze(1), m, v)  # (B, K)\n    return log_mean_exp(per_component, dim=1)",
            "    per_dim = -0.5 * (math.log(2 * math.pi) + torch.log(v) + (z.unsqueeze(1) - m) ** 2 / v)\n"
            "    return log_mean_exp(per_dim, dim=1).sum(-1)", [MIXTURE]),
    variant("the mixture's −log K missing", "utils.py", "    return log_mean_exp(per_component, dim=1)",
            "    return log_sum_exp(per_component, dim=1)", [MIXTURE]),
    variant("a naive log(mean(exp))", "utils.py", "    return log_mean_exp(per_component, dim=1)",
            "    return torch.log(torch.exp(per_component).mean(1))", [MIXTURE]),
    variant("the mixture returns (B, d)", "utils.py",
            "    per_component = log_normal(z.unsqueeze(1), m, v)  # (B, K)\n",
            "    per_component = -0.5 * (math.log(2 * math.pi) + torch.log(v) + (z.unsqueeze(1) - m) ** 2 / v)\n",
            [MIXTURE]),
    variant("uniform mixture weights built on the CPU", "utils.py", "    return log_mean_exp(per_component, dim=1)",
            "    weights = torch.ones(m.shape[1]) / m.shape[1]\n"
            "    return torch.logsumexp(per_component + weights.log(), dim=1)", [MIXTURE]),
    # values far outside the law of a statistical part (×B, ×−1, +1e6): each must fail, not read as a fit
    variant("noise offset by 1e6", "utils.py", NOISE, "    eps = 1e6 + torch.randn_like(m)\n", [SAMPLE]),
    variant("noise negated and scaled by the batch", "utils.py", NOISE, "    eps = -m.shape[0] * torch.randn_like(m)\n",
            [SAMPLE]),
    variant("GMVAE: kl summed over the batch", "models/gmvae.py", GM_KL, GM_KL.replace(".mean()", ".sum()"), [GM_ELBO]),
    variant("GMVAE: kl negated", "models/gmvae.py", GM_KL,
            "        kl = (ut.log_normal_mixture(z, *prior) - ut.log_normal(z, m, v)).mean()\n", [GM_ELBO]),
    variant("GMVAE: kl offset by 1e6", "models/gmvae.py", GM_KL, GM_KL.replace(".mean()", ".mean() + 1e6"), [GM_ELBO]),
    variant("SSVAE: kl_z summed over the batch", "models/ssvae.py", SS_WEIGHTED,
            SS_WEIGHTED.replace("kl_z_per_y).sum(0).mean()", "kl_z_per_y).sum(0).sum()"), [SS_ELBO]),
    # VAE.negative_elbo_bound
    variant("VAE: summed over the batch", "models/vae.py", VAE_KL_REC,
            VAE_KL_REC.replace(".mean()", ".sum()"), [VAE_ELBO]),
    variant("VAE: rec averaged over pixels", "models/vae.py",
            "        rec = -ut.log_bernoulli_with_logits(x, self.dec(z)).mean()\n",
            "        rec = torch.nn.functional.binary_cross_entropy_with_logits(self.dec(z), x)\n", [VAE_ELBO]),
    variant("VAE: per-example values of shape (B,)", "models/vae.py", VAE_KL_REC,
            VAE_KL_REC.replace(".mean()", ""), [VAE_ELBO]),
    variant("VAE: kl = E[log q] only", "models/vae.py",
            "        kl = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).mean()\n",
            "        kl = ut.log_normal(z, m, v).mean()\n", [VAE_ELBO]),
    variant("VAE: rec sign flipped (nelbo = kl − rec)", "models/vae.py", "        return kl + rec, kl, rec",
            "        return kl - rec, kl, rec", [VAE_ELBO]),
    variant("VAE: the reconstruction at the mean, z = m", "models/vae.py",
            "        rec = -ut.log_bernoulli_with_logits(x, self.dec(z)).mean()\n",
            "        rec = -ut.log_bernoulli_with_logits(x, self.dec(m)).mean()\n", [VAE_ELBO]),
    variant("VAE: a detached nelbo (.item())", "models/vae.py", "        return kl + rec, kl, rec",
            "        return torch.tensor((kl + rec).item()), kl, rec", [VAE_ELBO]),
    variant("VAE: the generator reseeded in every call (the same z each time)", "models/vae.py",
            "        m, v = self.enc(x)\n        z = ut.sample_gaussian(m, v)\n",
            "        m, v = self.enc(x)\n        torch.manual_seed(0)\n        z = ut.sample_gaussian(m, v)\n", [VAE_ELBO]),
    variant("VAE: the prior made on the CPU", "models/vae.py",
            "        kl = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).mean()\n",
            "        kl = ut.kl_normal(m, v, torch.zeros(1), torch.ones(1)).mean()\n", [VAE_ELBO]),
    # VAE.negative_iwae_bound
    variant("IWAE: tiled samples grouped as (B, iw)", "models/vae.py", VAE_WEIGHTS,
            "        log_w = (log_px_z - log_q_over_p).reshape(-1, iw).t()  # (iw, B)\n", [VAE_IWAE]),
    variant("IWAE: a closed-form KL inside the weight", "models/vae.py", VAE_WEIGHTS,
            "        log_w = (log_px_z - ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v)).reshape(iw, -1)\n",
            [VAE_IWAE]),
    variant("IWAE: a batch-mean reconstruction inside the weight", "models/vae.py", VAE_WEIGHTS,
            "        log_w = (log_px_z.reshape(iw, -1).mean(1, keepdim=True) - log_q_over_p.reshape(iw, -1))\n",
            [VAE_IWAE]),
    variant("IWAE: no minus sign", "models/vae.py", "        niwae = -ut.log_mean_exp(log_w, dim=0).mean()\n",
            "        niwae = ut.log_mean_exp(log_w, dim=0).mean()\n", [VAE_IWAE]),
    variant("IWAE: an unstable exp", "models/vae.py", "        niwae = -ut.log_mean_exp(log_w, dim=0).mean()\n",
            "        niwae = -torch.log(torch.exp(log_w).mean(0)).mean()\n", [VAE_IWAE]),
    variant("IWAE: summed over the batch", "models/vae.py", "        niwae = -ut.log_mean_exp(log_w, dim=0).mean()\n",
            "        niwae = -ut.log_mean_exp(log_w, dim=0).sum()\n", [VAE_IWAE]),
    # GMVAE
    variant("GMVAE: no gradient to z_pre", "models/gmvae.py",
            "        prior = ut.gaussian_parameters(self.z_pre, dim=1)  # means, variances: (1, K, z_dim) each\n",
            "        prior = ut.gaussian_parameters(self.z_pre.detach(), dim=1)\n", [GM_ELBO]),
    variant("GMVAE: an inline mixture without −log K", "models/gmvae.py", GM_KL,
            "        kl = (ut.log_normal(z, m, v) - ut.log_sum_exp(ut.log_normal(z.unsqueeze(1), *prior), 1)).mean()\n",
            [GM_ELBO]),
    variant("GMVAE: kl against N(0, I) instead of the mixture", "models/gmvae.py", GM_KL,
            "        kl = ut.kl_normal(m, v, torch.zeros_like(m), torch.ones_like(v)).mean()\n", [GM_ELBO]),
    variant("GMVAE IWAE: grouped across examples", "models/gmvae.py",
            "        niwae = -ut.log_mean_exp(log_px_z - log_q_over_p, dim=0).mean()\n",
            "        niwae = -ut.log_mean_exp((log_px_z - log_q_over_p).reshape(batch, iw), dim=1).mean()\n",
            [GM_IWAE]),
    variant("GMVAE IWAE: log p(z) of N(0, I) instead of the mixture", "models/gmvae.py",
            "        log_p = ut.log_normal_mixture(z.reshape(-1, self.z_dim), *prior).reshape(iw, batch)\n",
            "        log_p = ut.log_normal(z, torch.zeros_like(z), torch.ones_like(z))\n", [GM_IWAE]),
    # SSVAE
    variant("SSVAE: (B, 10) reshape instead of (10, B)ᵀ", "models/ssvae.py", SS_WEIGHTED,
            "        kl_z = (y_prob * kl_z_per_y.reshape(batch, self.y_dim)).sum(1).mean()\n"
            "        rec = (y_prob * rec_per_y.reshape(batch, self.y_dim)).sum(1).mean()\n", [SS_ELBO]),
    variant("SSVAE: batch 100 hard-coded", "models/ssvae.py",
            "        kl_z_per_y = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).reshape(self.y_dim, batch)\n",
            "        kl_z_per_y = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).reshape(self.y_dim, 100)\n",
            [SS_ELBO]),
    variant("SSVAE: soft labels fed to the encoder and decoder", "models/ssvae.py", "        m, v = self.enc(x, y)\n",
            "        y = ut.duplicate(y_prob, self.y_dim)\n        m, v = self.enc(x, y)\n", [SS_ELBO]),
    variant("SSVAE: an unweighted mean over the 10 labels", "models/ssvae.py", SS_WEIGHTED,
            "        kl_z = kl_z_per_y.mean()\n        rec = rec_per_y.mean()\n", [SS_ELBO]),
    variant("SSVAE: the log of log-probabilities in KL_y", "models/ssvae.py",
            "        kl_y = ut.kl_cat(y_prob, y_logprob, -math.log(self.y_dim)).mean()\n",
            "        kl_y = ut.kl_cat(y_prob, torch.log(y_logprob), -math.log(self.y_dim)).mean()\n", [SS_ELBO]),
]


def combined(variants=VARIANTS):
    """[(variants, {file: edited text})]: every variant in exactly one submission."""
    groups = []
    for v in variants:
        for members, files in groups:
            if all(not (v.functions & m.functions) for m in members) and v.applies(files.get(v.file) or
                                                                                  (REFERENCE / v.file).read_text()):
                members.append(v)
                files[v.file] = v.apply(files.get(v.file))
                break
        else:
            groups.append(([v], {v.file: v.apply()}))
    return groups
