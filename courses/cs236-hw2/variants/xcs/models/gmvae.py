# The XCS edition: torch.distributions for q and the mixture's components, iw samples
# drawn at once with rsample.
import os
import sys

if "solution" in os.path.dirname(os.path.abspath(__file__)):
    from solution import utils as ut
    from solution.models import nns
else:
    from submission import utils as ut
    from submission.models import nns

import numpy as np
import torch
from torch import nn


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
        ### START CODE HERE ###
        m, v = self.enc(x)
        q = torch.distributions.Normal(m, v.sqrt())
        z = q.rsample()
        log_q = q.log_prob(z).sum(-1)
        log_p = ut.log_normal_mixture(z, prior[0], prior[1])
        kl = (log_q - log_p).mean()
        rec = -ut.log_bernoulli_with_logits(x, self.dec(z)).mean()
        return kl + rec, kl, rec
        ### END CODE HERE ###

    def negative_iwae_bound(self, x, iw):
        prior = ut.gaussian_parameters(self.z_pre, dim=1)
        ### START CODE HERE ###
        m, v = self.enc(x)
        q = torch.distributions.Normal(m, v.sqrt())
        z = q.rsample((iw,))  # (iw, B, d)
        log_q = q.log_prob(z).sum(-1)
        log_p = ut.log_normal_mixture(z.reshape(-1, self.z_dim), prior[0], prior[1]).reshape(iw, -1)
        log_px = ut.log_bernoulli_with_logits(x.unsqueeze(0).expand(iw, -1, -1), self.dec(z.reshape(-1, self.z_dim)).reshape(iw, x.shape[0], -1))
        niwae = -torch.mean(torch.logsumexp(log_px + log_p - log_q, dim=0) - np.log(iw))
        return niwae, (log_q - log_p).mean(), -log_px.mean()
        ### END CODE HERE ###
