# The 2018-19 edition: enc.encode / dec.decode, the KL as a single-sample estimate, one
# mean over kl + rec; the IWAE duplicates x and encodes every copy.
import torch
from codebase import utils as ut
from codebase.models import nns
from torch import nn
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self, nn='v1', name='vae', z_dim=2, beta=1.0):
        super().__init__()
        self.name = name
        self.z_dim = z_dim
        self.beta = beta
        nn = getattr(nns, nn)
        self.enc = nn.Encoder(self.z_dim)
        self.dec = nn.Decoder(self.z_dim)

        # Prior is fixed as standard normal
        self.z_prior_m = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
        self.z_prior_v = torch.nn.Parameter(torch.ones(1), requires_grad=False)
        self.z_prior = (self.z_prior_m, self.z_prior_v)

    def negative_elbo_bound(self, x):
        qm, qv = self.enc.encode(x)
        z = ut.sample_gaussian(qm, qv)
        logits = self.dec.decode(z)
        kl_each = ut.log_normal(z, qm, qv) - ut.log_normal(z, self.z_prior[0].expand_as(z), self.z_prior[1].expand_as(z))
        rec_each = -ut.log_bernoulli_with_logits(x, logits)
        nelbo = torch.mean(kl_each + rec_each)
        kl = torch.mean(kl_each)
        rec = torch.mean(rec_each)
        return nelbo, kl, rec

    def negative_iwae_bound(self, x, iw):
        x_rep = ut.duplicate(x, iw)
        qm, qv = self.enc.encode(x_rep)
        z = ut.sample_gaussian(qm, qv)
        logits = self.dec.decode(z)
        log_px = ut.log_bernoulli_with_logits(x_rep, logits)
        log_pz = ut.log_normal(z, torch.zeros_like(z), torch.ones_like(z))
        log_qz = ut.log_normal(z, qm, qv)
        weights = (log_px + log_pz - log_qz).reshape(iw, x.shape[0])
        niwae = -torch.mean(ut.log_mean_exp(weights, 0))
        kl = torch.mean(log_qz - log_pz)
        rec = -torch.mean(log_px)
        return niwae, kl, rec

    def loss(self, x):
        nelbo, kl, rec = self.negative_elbo_bound(x)
        loss = nelbo
        summaries = dict((('train/loss', nelbo), ('gen/elbo', -nelbo), ('gen/kl_z', kl), ('gen/rec', rec)))
        return loss, summaries
