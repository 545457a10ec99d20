"""gan.py with BCE-with-logits targets, as many tutorials write it."""
import torch
import torch.nn.functional as F


def _bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(target)))


def discriminator_loss(real_logits, fake_logits):
    return _bce(real_logits, 1) + _bce(fake_logits, 0)


def generator_loss_minimax(fake_logits):
    return -_bce(fake_logits, 0)


def generator_loss_nonsaturating(fake_logits):
    return _bce(fake_logits, 1)


def generator_loss_ml(fake_logits):
    d = torch.sigmoid(fake_logits)
    return -0.5 * torch.exp(torch.log(d) - torch.log1p(-d)).mean()


def gan_step(x, generator, discriminator, d_opt, g_opt, *, z, loss="nonsaturating"):
    objective = {"minimax": generator_loss_minimax, "nonsaturating": generator_loss_nonsaturating,
                 "ml": generator_loss_ml}[loss]
    fake = generator(z)
    d_opt.zero_grad()
    d_loss = discriminator_loss(discriminator(x), discriminator(fake.detach()))
    d_loss.backward()
    d_opt.step()
    g_opt.zero_grad()
    g_loss = objective(discriminator(fake))
    g_loss.backward()
    g_opt.step()
    return d_loss.item(), g_loss.item()
