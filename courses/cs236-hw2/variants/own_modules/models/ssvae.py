# The reference's SSVAE importing the student's debug helper, as the homework's models import utils.
"""The semi-supervised VAE (Kingma et al. 2014, M2): a label y ~ q(y|x) from a classifier,
z ~ q(z|x, y), p(x|z, y) Bernoulli, p(y) uniform over 10 digits, p(z) = N(0, I)."""
import math

import torch
from torch import nn
from torch.nn import functional as F

from codebase import ImUtil
from codebase import utils as ut
from codebase.models import nns


class SSVAE(nn.Module):
    def __init__(self, nn="v1", name="ssvae", gen_weight=1, class_weight=100):
        super().__init__()
        self.name, self.z_dim, self.y_dim = name, 64, 10
        self.gen_weight, self.class_weight = gen_weight, class_weight
        nn = getattr(nns, nn)
        self.enc = nn.Encoder(self.z_dim, self.y_dim)
        self.dec = nn.Decoder(self.z_dim, self.y_dim)
        self.cls = nn.Classifier(self.y_dim)
        self.z_prior_m = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
        self.z_prior_v = torch.nn.Parameter(torch.ones(1), requires_grad=False)
        self.z_prior = (self.z_prior_m, self.z_prior_v)

    def negative_elbo_bound(self, x):
        """−ELBO(x) = KL(q(y|x) ‖ p(y)) + E_q(y|x)[KL(q(z|x,y) ‖ p(z)) − E_q(z|x,y) log p(x|z,y)]
        (Kingma et al. 2014, eq. 7), the expectation over y exact (a sum over the 10 labels),
        one z per (x, y); each term a mean over the batch.

        x: (B, 784) binary → (nelbo, kl_z, kl_y, rec), each of shape [].
        """
        batch = x.shape[0]
        y_logits = self.cls(x)
        y_logprob = F.log_softmax(y_logits, dim=1)
        y_prob = torch.softmax(y_logprob, dim=1)  # (B, 10)
        # every (x, y) pair: row r holds x[r mod B] and the one-hot label r // B
        y = torch.eye(self.y_dim, dtype=x.dtype, device=x.device).repeat_interleave(batch, dim=0)
        x = ut.duplicate(x, self.y_dim)
        # SOLUTION
        m, v = self.enc(x, y)
        z = ut.sample_gaussian(m, v)
        kl_y = ut.kl_cat(y_prob, y_logprob, -math.log(self.y_dim)).mean()
        kl_z_per_y = ut.kl_normal(m, v, self.z_prior_m, self.z_prior_v).reshape(self.y_dim, batch)
        rec_per_y = -ut.log_bernoulli_with_logits(x, self.dec(z, y)).reshape(self.y_dim, batch)
        kl_z = (y_prob.t() * kl_z_per_y).sum(0).mean()
        rec = (y_prob.t() * rec_per_y).sum(0).mean()
        return kl_y + kl_z + rec, kl_z, kl_y, rec

    def classification_cross_entropy(self, x, y):
        return F.cross_entropy(self.cls(x), y.argmax(1))

    def loss(self, x, xl, yl):
        if self.gen_weight > 0:
            nelbo, kl_z, kl_y, rec = self.negative_elbo_bound(x)
        else:
            nelbo = kl_z = kl_y = rec = torch.zeros((), device=x.device)
        ce = self.classification_cross_entropy(xl, yl)
        loss = self.gen_weight * nelbo + self.class_weight * ce
        summaries = {"train/loss": loss, "class/ce": ce, "gen/elbo": -nelbo, "gen/kl_z": kl_z,
                     "gen/kl_y": kl_y, "gen/rec": rec}
        return loss, summaries

    def compute_sigmoid_given(self, z, y):
        return torch.sigmoid(self.dec(z, y))

    def sample_z(self, batch):
        return ut.sample_gaussian(self.z_prior_m.expand(batch, self.z_dim), self.z_prior_v.expand(batch, self.z_dim))

    def sample_x_given(self, z, y):
        return torch.bernoulli(self.compute_sigmoid_given(z, y))

    def sample_grid(self, batch):
        """Samples of each label, drawn in a grid with the label written on each (debugging)."""
        y = torch.eye(self.y_dim).repeat_interleave(batch, dim=0)
        x = self.sample_x_given(self.sample_z(self.y_dim * batch), y)
        return ImUtil.label_grid(x, y.argmax(1))
