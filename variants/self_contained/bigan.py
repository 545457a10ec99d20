"""bigan.py, self-contained, with BCE-with-logits targets."""
import torch
import torch.nn.functional as F


def _bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(target)))


def bigan_discriminator_loss(real_logits, fake_logits):
    return _bce(real_logits, 1) + _bce(fake_logits, 0)


def bigan_generator_encoder_loss(real_logits, fake_logits):
    return _bce(real_logits, 0) + _bce(fake_logits, 1)


def bigan_step(x, generator, encoder, discriminator, d_opt, ge_opt, *, z):
    d_opt.zero_grad()
    d_loss = bigan_discriminator_loss(discriminator(x, encoder(x).detach()), discriminator(generator(z).detach(), z))
    d_loss.backward()
    d_opt.step()
    ge_opt.zero_grad()
    ge_loss = bigan_generator_encoder_loss(discriminator(x, encoder(x)), discriminator(generator(z), z))
    ge_loss.backward()
    ge_opt.step()
    return d_loss.item(), ge_loss.item()
