"""The VAE: q(z|x) = N(m(x), diag v(x)), p(z) = N(0, I), p(x|z) Bernoulli."""
import torch
from torch import nn

from codebase import utils as ut
from codebase.models import nns


class VAE(nn.Module):
    def __init__(self, nn="v1", name="vae", z_dim=2):
        super().__init__()
        self.name, self.z_dim = name, z_dim
        nn = getattr(nns, nn)
        self.enc = nn.Encoder(self.z_dim)
        self.dec = nn.Decoder(self.z_dim)
        self.z_prior_m = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
        self.z_prior_v = torch.nn.Parameter(torch.ones(1), requires_grad=False)
        self.z_prior = (self.z_prior_m, self.z_prior_v)

    def negative_elbo_bound(self, x):
        """−ELBO(x) = KL(q(z|x) ‖ p(z)) − E_q[log p(x|z)] (Kingma & Welling 2014, eq. 3), one z per
        row, KL in closed form; each term a mean over the batch, a sum over pixels and latents.

        x: (B, 784) binary → (nelbo, kl, rec), each of shape [].
        """
        # SOLUTION
        m, v = self.enc(x)
        z = ut.sample_gaussian(m, v)
        kl = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).mean()
        rec = -ut.log_bernoulli_with_logits(x, self.dec(z)).mean()
        return kl + rec, kl, rec

    def negative_iwae_bound(self, x, iw):
        """−L_iw(x) = −log (1/iw) Σ_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x) i.i.d. (Burda et al. 2016,
        eq. 8), a mean over the batch; kl and rec are the ELBO's terms on the same samples.

        x: (B, 784) binary, iw ≥ 1 → (niwae, kl, rec), each of shape [].
        """
        # SOLUTION
        m, v = self.enc(x)
        m, v, x = ut.duplicate(m, iw), ut.duplicate(v, iw), ut.duplicate(x, iw)  # (iw·B, ...), tiled
        z = ut.sample_gaussian(m, v)
        log_px_z = ut.log_bernoulli_with_logits(x, self.dec(z))
        log_q_over_p = ut.log_normal(z, m, v) - ut.log_normal(z, self.z_prior_m, self.z_prior_v)
        log_w = (log_px_z - log_q_over_p).reshape(iw, -1)  # (iw, B)
        niwae = -ut.log_mean_exp(log_w, dim=0).mean()
        return niwae, log_q_over_p.mean(), -log_px_z.mean()

    def loss(self, x):
        nelbo, kl, rec = self.negative_elbo_bound(x)
        summaries = {"train/loss": nelbo, "gen/elbo": -nelbo, "gen/kl_z": kl, "gen/rec": rec}
        return nelbo, summaries

    def sample_z(self, batch):
        return ut.sample_gaussian(self.z_prior_m.expand(batch, self.z_dim), self.z_prior_v.expand(batch, self.z_dim))

    def compute_sigmoid_given(self, z):
        return torch.sigmoid(self.dec(z))

    def sample_sigmoid(self, batch):
        return self.compute_sigmoid_given(self.sample_z(batch))

    def sample_x_given(self, z):
        return torch.bernoulli(self.compute_sigmoid_given(z))

    def sample_x(self, batch):
        return self.sample_x_given(self.sample_z(batch))
