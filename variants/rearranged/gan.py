"""gan.py with softplus forms instead of log-sigmoid."""
import torch
import torch.nn.functional as F


def discriminator_loss(real_logits, fake_logits):
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss_minimax(fake_logits):
    return -F.softplus(fake_logits).mean()


def generator_loss_nonsaturating(fake_logits):
    return F.softplus(-fake_logits).mean()


def generator_loss_ml(fake_logits):
    return -torch.exp(fake_logits).mean() / 2


def gan_step(x, generator, discriminator, d_opt, g_opt, *, z, loss="nonsaturating"):
    losses = {"minimax": generator_loss_minimax, "nonsaturating": generator_loss_nonsaturating,
              "ml": generator_loss_ml}
    if loss not in losses:
        raise ValueError(loss)
    d_opt.zero_grad()
    d_loss = discriminator_loss(discriminator(x), discriminator(generator(z).detach()))
    d_loss.backward()
    d_opt.step()
    g_opt.zero_grad()
    g_loss = losses[loss](discriminator(generator(z)))
    g_loss.backward()
    g_opt.step()
    return float(d_loss), float(g_loss)
