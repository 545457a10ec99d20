# The 2018-19 edition's utils.py as a student fills it in: the circular model imports and
# torchvision at the top, numpy constants, torch.distributions, loops over components.
import numpy as np
import os
import shutil
import torch
from codebase.models.gmvae import GMVAE
from codebase.models.ssvae import SSVAE
from codebase.models.vae import VAE
from torch.nn import functional as F
from torchvision import datasets, transforms

bce = torch.nn.BCEWithLogitsLoss(reduction='none')


def sample_gaussian(m, v):
    ################################################################################
    # TODO: Modify/complete the code here
    ################################################################################
    sample = torch.randn(m.shape, device=m.device, dtype=m.dtype)
    z = m + torch.sqrt(v) * sample
    ################################################################################
    # End of code modification
    ################################################################################
    return z


def log_normal(x, m, v):
    ################################################################################
    # TODO: Modify/complete the code here
    ################################################################################
    dist = torch.distributions.Normal(m, torch.sqrt(v))
    log_prob = dist.log_prob(x).sum(dim=-1)
    ################################################################################
    # End of code modification
    ################################################################################
    return log_prob


def log_normal_mixture(z, m, v):
    ################################################################################
    # TODO: Modify/complete the code here
    ################################################################################
    z = z.unsqueeze(1).expand_as(m)
    log_probs = []
    for k in range(m.shape[1]):
        log_probs.append(log_normal(z[:, k], m[:, k], v[:, k]))
    log_prob = log_mean_exp(torch.stack(log_probs, dim=1), dim=1)
    ################################################################################
    # End of code modification
    ################################################################################
    return log_prob


def gaussian_parameters(h, dim=-1):
    m, h = torch.split(h, h.size(dim) // 2, dim=dim)
    v = F.softplus(h) + 1e-8
    return m, v


def log_bernoulli_with_logits(x, logits):
    log_prob = -bce(input=logits, target=x).sum(-1)
    return log_prob


def kl_cat(q, log_q, log_p):
    element_wise = (q * (log_q - log_p))
    kl = element_wise.sum(-1)
    return kl


def kl_normal(qm, qv, pm, pv):
    element_wise = 0.5 * (torch.log(pv) - torch.log(qv) + qv / pv + (qm - pm).pow(2) / pv - 1)
    kl = element_wise.sum(-1)
    return kl


def duplicate(x, rep):
    return x.expand(rep, *x.shape).reshape(-1, *x.shape[1:])


def log_mean_exp(x, dim):
    return log_sum_exp(x, dim) - np.log(x.size(dim))


def log_sum_exp(x, dim=0):
    max_x = torch.max(x, dim)[0]
    new_x = x - max_x.unsqueeze(dim).expand_as(x)
    return max_x + (new_x.exp().sum(dim)).log()


def load_model_by_name(model, global_step):
    file_path = os.path.join('checkpoints', model.name, 'model-{:05d}.pt'.format(global_step))
    state = torch.load(file_path)
    model.load_state_dict(state)


def get_mnist_data(device, use_test_subset=True):
    preprocess = transforms.ToTensor()
    train_loader = torch.utils.data.DataLoader(
        datasets.MNIST('data', train=True, download=True, transform=preprocess), batch_size=100, shuffle=True)
    return train_loader


def delete_existing(path):
    if os.path.exists(path):
        shutil.rmtree(path)
