"""The GMVAE: the VAE with a learned prior, a uniform mixture of K Gaussians."""
import numpy as np
import torch
from torch import nn

from codebase import utils as ut
from codebase.models import nns


class GMVAE(nn.Module):
    def __init__(self, nn="v1", z_dim=2, k=500, name="gmvae"):
        super().__init__()
        self.name, self.k, self.z_dim = name, k, z_dim
        nn = getattr(nns, nn)
        self.enc = nn.Encoder(self.z_dim)
        self.dec = nn.Decoder(self.z_dim)
        # the prior's means and pre-softplus variances, split by ut.gaussian_parameters(dim=1)
        self.z_pre = torch.nn.Parameter(torch.randn(1, 2 * self.k, self.z_dim) / np.sqrt(self.k * self.z_dim))
        self.pi = torch.nn.Parameter(torch.ones(k) / k, requires_grad=False)

    def negative_elbo_bound(self, x):
        """−ELBO(x) with p(z) = (1/K) Σ_k N(z; μ_k, diag σ²_k); the KL is the single-sample
        estimate log q(z|x) − log p(z) at the z that also gives the reconstruction.

        x: (B, 784) binary → (nelbo, kl, rec), each of shape [].
        """
        prior = ut.gaussian_parameters(self.z_pre, dim=1)  # means, variances: (1, K, z_dim) each
        raise NotImplementedError("negative_elbo_bound: not implemented yet")

    def negative_iwae_bound(self, x, iw):
        """−L_iw(x) as for the VAE, with the mixture's log density as log p(z).

        x: (B, 784) binary, iw ≥ 1 → (niwae, kl, rec), each of shape [].
        """
        prior = ut.gaussian_parameters(self.z_pre, dim=1)
        raise NotImplementedError("negative_iwae_bound: not implemented yet")

    def loss(self, x):
        nelbo, kl, rec = self.negative_elbo_bound(x)
        summaries = {"train/loss": nelbo, "gen/elbo": -nelbo, "gen/kl_z": kl, "gen/rec": rec}
        return nelbo, summaries

    def sample_z(self, batch):
        m, v = ut.gaussian_parameters(self.z_pre.squeeze(0), dim=0)
        idx = torch.distributions.categorical.Categorical(self.pi).sample((batch,))
        return ut.sample_gaussian(m[idx], v[idx])

    def compute_sigmoid_given(self, z):
        return torch.sigmoid(self.dec(z))

    def sample_sigmoid(self, batch):
        return self.compute_sigmoid_given(self.sample_z(batch))

    def sample_x_given(self, z):
        return torch.bernoulli(self.compute_sigmoid_given(z))

    def sample_x(self, batch):
        return self.sample_x_given(self.sample_z(batch))
