# The XCS edition: the package named submission (or solution), forward calls, the IWAE
# grouped interleaved as (B, iw) throughout, kl and rec left as placeholders.
import os
import sys

if "solution" in os.path.dirname(os.path.abspath(__file__)):
    from solution import utils as ut
    from solution.models import nns
else:
    from submission import utils as ut
    from submission.models import nns

import torch
from torch import nn


class VAE(nn.Module):
    def __init__(self, nn='v1', name='vae', z_dim=2):
        super().__init__()
        self.name = name
        self.z_dim = z_dim
        nn = getattr(nns, nn)
        self.enc = nn.Encoder(self.z_dim)
        self.dec = nn.Decoder(self.z_dim)
        self.z_prior_m = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
        self.z_prior_v = torch.nn.Parameter(torch.ones(1), requires_grad=False)
        self.z_prior = (self.z_prior_m, self.z_prior_v)

    def negative_elbo_bound(self, x):
        ### START CODE HERE ###
        m, v = self.enc(x)
        z = ut.sample_gaussian(m, v)
        rec = -ut.log_bernoulli_with_logits(x, self.dec(z)).mean()
        kl = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).mean()
        nelbo = rec + kl
        return nelbo, kl, rec
        ### END CODE HERE ###

    def negative_iwae_bound(self, x, iw):
        ### START CODE HERE ###
        m, v = self.enc(x)
        m = m.repeat_interleave(iw, dim=0)
        v = v.repeat_interleave(iw, dim=0)
        x_iw = x.repeat_interleave(iw, dim=0)
        z = ut.sample_gaussian(m, v)
        log_w = (ut.log_bernoulli_with_logits(x_iw, self.dec(z)) + ut.log_normal(z, self.z_prior_m, self.z_prior_v)
                 - ut.log_normal(z, m, v))
        niwae = -ut.log_mean_exp(log_w.view(-1, iw), dim=1).mean()
        kl = torch.tensor(0.0)
        rec = torch.tensor(0.0)
        return niwae, kl, rec
        ### END CODE HERE ###
