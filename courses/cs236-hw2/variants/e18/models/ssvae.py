# The 2018-19 edition: cls.classify / enc.encode, a y prior kept as a fixed Parameter,
# log p(y) as a tensor, the weighting by transposing the per-pair values and summing.
import numpy as np
import torch
from codebase import utils as ut
from codebase.models import nns
from torch import nn
from torch.nn import functional as F


class SSVAE(nn.Module):
    def __init__(self, nn='v1', name='ssvae', gen_weight=1, class_weight=100):
        super().__init__()
        self.name = name
        self.z_dim = 64
        self.y_dim = 10
        self.gen_weight = gen_weight
        self.class_weight = class_weight
        nn = getattr(nns, nn)
        self.enc = nn.Encoder(self.z_dim, self.y_dim)
        self.dec = nn.Decoder(self.z_dim, self.y_dim)
        self.cls = nn.Classifier(self.y_dim)
        self.z_prior_m = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
        self.z_prior_v = torch.nn.Parameter(torch.ones(1), requires_grad=False)
        self.z_prior = (self.z_prior_m, self.z_prior_v)
        self.y_prior = torch.nn.Parameter(torch.ones(self.y_dim) / self.y_dim, requires_grad=False)

    def negative_elbo_bound(self, x):
        y_logits = self.cls.classify(x)
        y_logprob = F.log_softmax(y_logits, dim=1)
        y_prob = torch.softmax(y_logprob, dim=1)  # (batch, y_dim)

        # Duplicate y based on x's batch size. Then duplicate x
        # This enumerates all possible combination of x with labels (0, 1, ..., 9)
        y = np.repeat(np.arange(self.y_dim), x.size(0))
        y = x.new(np.eye(self.y_dim)[y])
        x = ut.duplicate(x, self.y_dim)

        kl_y = ut.kl_cat(y_prob, y_logprob, torch.log(self.y_prior)).mean()
        m, v = self.enc.encode(x, y)
        z = ut.sample_gaussian(m, v)
        kl_z_all = ut.kl_normal(m, v, self.z_prior[0], self.z_prior[1]).reshape(self.y_dim, -1).t()
        rec_all = -ut.log_bernoulli_with_logits(x, self.dec.decode(z, y)).reshape(self.y_dim, -1).t()
        kl_z = (y_prob * kl_z_all).sum(1).mean()
        rec = (y_prob * rec_all).sum(1).mean()
        nelbo = kl_y + kl_z + rec
        return nelbo, kl_z, kl_y, rec
