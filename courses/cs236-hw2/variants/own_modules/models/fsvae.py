# The bonus model (SVHN, fully supervised), in the student's folder of models; utils.py
# imports it at its top, and it imports utils back as every model does.
import torch
from codebase import utils as ut
from codebase.models import nns
from torch import nn


class FSVAE(nn.Module):
    def __init__(self, nn='v2', name='fsvae'):
        super().__init__()
        self.name = name
        self.z_dim = 10
        self.y_dim = 10
        nn = getattr(nns, nn)
        self.enc = nn.Encoder(self.z_dim, self.y_dim)
        self.dec = nn.Decoder(self.z_dim, self.y_dim)
        self.z_prior_m = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
        self.z_prior_v = torch.nn.Parameter(torch.ones(1), requires_grad=False)
        self.z_prior = (self.z_prior_m, self.z_prior_v)

    def negative_elbo_bound(self, x, y):
        m, v = self.enc(x, y)
        z = ut.sample_gaussian(m, v)
        x_m = self.dec(z, y)
        kl_z = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).mean()
        rec = -ut.log_normal(x, x_m, 0.1 * torch.ones_like(x_m)).mean()
        return kl_z + rec, kl_z, rec
