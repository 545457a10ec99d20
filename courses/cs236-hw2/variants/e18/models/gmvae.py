# The 2018-19 edition: the prior expanded to (B, K, d) before the mixture; the IWAE as a loop
# over the importance samples.
import numpy as np
import torch
from codebase import utils as ut
from codebase.models import nns
from torch import nn
from torch.nn import functional as F


class GMVAE(nn.Module):
    def __init__(self, nn='v1', z_dim=2, k=500, name='gmvae'):
        super().__init__()
        self.name = name
        self.k = k
        self.z_dim = z_dim
        nn = getattr(nns, nn)
        self.enc = nn.Encoder(self.z_dim)
        self.dec = nn.Decoder(self.z_dim)
        self.z_pre = torch.nn.Parameter(torch.randn(1, 2 * self.k, self.z_dim) / np.sqrt(self.k * self.z_dim))
        self.pi = torch.nn.Parameter(torch.ones(k) / k, requires_grad=False)

    def negative_elbo_bound(self, x):
        prior = ut.gaussian_parameters(self.z_pre, dim=1)
        batch_size = x.shape[0]
        m, v = self.enc.encode(x)
        z = ut.sample_gaussian(m, v)
        prior_m = prior[0].expand(batch_size, self.k, self.z_dim)
        prior_v = prior[1].expand(batch_size, self.k, self.z_dim)
        log_q = ut.log_normal(z, m, v)
        log_p = ut.log_normal_mixture(z, prior_m, prior_v)
        kl = torch.mean(log_q - log_p)
        rec = -torch.mean(ut.log_bernoulli_with_logits(x, self.dec.decode(z)))
        nelbo = kl + rec
        return nelbo, kl, rec

    def negative_iwae_bound(self, x, iw):
        prior = ut.gaussian_parameters(self.z_pre, dim=1)
        m, v = self.enc.encode(x)
        weights, kls, recs = [], [], []
        for i in range(iw):
            z = ut.sample_gaussian(m, v)
            log_px = ut.log_bernoulli_with_logits(x, self.dec.decode(z))
            log_pz = ut.log_normal_mixture(z, prior[0].expand(x.shape[0], self.k, self.z_dim),
                                           prior[1].expand(x.shape[0], self.k, self.z_dim))
            log_qz = ut.log_normal(z, m, v)
            weights.append(log_px + log_pz - log_qz)
            kls.append(log_qz - log_pz)
            recs.append(-log_px)
        niwae = -ut.log_mean_exp(torch.stack(weights), 0).mean()
        return niwae, torch.stack(kls).mean(), torch.stack(recs).mean()
