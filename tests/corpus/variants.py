"""Single-mistake variants of the reference, modelled on mistakes students make.

Each variant edits one module's flat source (the edit must apply exactly once, so a change
in the reference that breaks a variant is caught) and declares the contract functions
whose tests must lose points (``must``), and no other test may. A function that calls the
broken one keeps its points, since the grader serves its helpers (autograder/worker/served.py);
a class is not served, so ``MaskedConv2d`` over a wrong ``causal_mask`` loses its own.
"""
import dataclasses

from tests.submissions import flat_source


@dataclasses.dataclass(frozen=True)
class Variant:
    name: str
    module: str
    old: str
    new: str
    must: frozenset
    may: frozenset = frozenset()  # for the training mutants: a training run over a one-step mistake

    def source(self):
        original = flat_source(self.module)
        assert original.count(self.old) == 1, f"{self.name}: the edit no longer applies to {self.module}.py"
        return original.replace(self.old, self.new)


def variant(name, module, old, new, must, may=()):
    return Variant(name, module, old, new, frozenset(must), frozenset(may))


VARIANTS = [
    variant("variance used as the standard deviation", "vae",
            "return mu + torch.exp(0.5 * logvar) * eps", "return mu + torch.exp(logvar) * eps",
            ["vae.sample_gaussian"]),
    variant("rand_like instead of randn_like", "vae",
            "        eps = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)\n    return mu + torch.exp",
            "        eps = torch.rand(mu.shape, dtype=mu.dtype, device=mu.device)\n    return mu + torch.exp",
            ["vae.sample_gaussian"]),
    variant("the global generator reseeded in every call (the same noise each time)", "vae",
            "        eps = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)\n    return mu + torch.exp",
            "        torch.manual_seed(0)\n        eps = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)\n"
            "    return mu + torch.exp", ["vae.sample_gaussian"]),
    # drawn noise far outside its law (a batch sum, a sign, an offset): the exact tests must fail, never
    # read a statistic outside its support as a fit
    *(variant(f"drawn noise {how}", "vae",
              "        eps = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)\n    return mu + torch.exp",
              f"        eps = {new}\n    return mu + torch.exp", ["vae.sample_gaussian"])
      for how, new in (("31 times too large", "31 * torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)"),
                       ("offset by 1e6", "1e6 + torch.randn(mu.shape, dtype=mu.dtype, device=mu.device)"),
                       ("NaN", "torch.full(mu.shape, float('nan'), dtype=mu.dtype, device=mu.device)"))),
    variant("dreamed latents negated and offset by 1e6", "wake_sleep",
            "        z = torch.randn((n_samples, latent_dim), dtype=param.dtype, device=param.device)",
            "        z = 1e6 - torch.randn((n_samples, latent_dim), dtype=param.dtype, device=param.device)",
            ["wake_sleep.sleep_loss"]),
    variant("dreams from a generator with a fixed seed", "wake_sleep",
            "        z = torch.randn((n_samples, latent_dim), dtype=param.dtype, device=param.device)",
            "        z = torch.randn((n_samples, latent_dim), generator=torch.Generator(param.device).manual_seed(1),\n"
            "                        dtype=param.dtype, device=param.device)",
            ["wake_sleep.sleep_loss"]),
    variant("covariance used where its square root belongs", "vae",
            "return mu + (scale @ eps.unsqueeze(-1)).squeeze(-1)",
            "return mu + (scale @ scale.mT @ eps.unsqueeze(-1)).squeeze(-1)", ["vae.sample_gaussian_full"]),
    variant("the ½ missing in the Gaussian KL", "vae",
            "return 0.5 * (torch.exp(logvar) + mu**2 - 1.0 - logvar).sum(-1)",
            "return (torch.exp(logvar) + mu**2 - 1.0 - logvar).sum(-1)",
            ["vae.kl_standard_normal"]),
    variant("the ½ missing in the KL of two Gaussians", "vae",
            "return 0.5 * (ratio + mahalanobis - 1.0 - (q_logvar - p_logvar)).sum(-1)",
            "return (ratio + mahalanobis - 1.0 - (q_logvar - p_logvar)).sum(-1)", ["vae.kl_diag_gaussians"]),
    variant("the 2π constant dropped", "vae",
            "return -0.5 * (LOG_2PI + logvar + (x - mu) ** 2 * torch.exp(-logvar)).sum(-1)",
            "return -0.5 * (logvar + (x - mu) ** 2 * torch.exp(-logvar)).sum(-1)",
            ["vae.log_normal_diag"]),
    variant("the log-determinant missing", "vae",
            "return -0.5 * (k * LOG_2PI + (z0**2).sum(-1)) - log_det",
            "return -0.5 * (k * LOG_2PI + (z0**2).sum(-1))", ["vae.log_normal_full"]),
    variant("a per-pixel mean instead of a sum", "vae",
            "return per_pixel.flatten(1).sum(1)", "return per_pixel.flatten(1).mean(1)",
            ["vae.bernoulli_log_likelihood"]),
    variant("log(sigmoid) that overflows", "vae",
            'per_pixel = -F.binary_cross_entropy_with_logits(logits, x, reduction="none")',
            "per_pixel = x * torch.log(torch.sigmoid(logits)) + (1 - x) * torch.log(1 - torch.sigmoid(logits))",
            ["vae.bernoulli_log_likelihood"]),
    variant("the sum over samples instead of the mean", "vae",
            "rec = bernoulli_log_likelihood(targets, logits).view(n, b).mean(0)",
            "rec = bernoulli_log_likelihood(targets, logits).view(n, b).sum(0)",
            ["vae.elbo"]),
    variant("log-sum-exp without subtracting log k", "iwae",
            "return torch.logsumexp(x, dim) - math.log(x.shape[dim])", "return torch.logsumexp(x, dim)",
            ["iwae.log_mean_exp"]),
    variant("log-mean-exp that overflows", "iwae",
            "return torch.logsumexp(x, dim) - math.log(x.shape[dim])", "return torch.log(torch.exp(x).mean(dim))",
            ["iwae.log_mean_exp"]),
    variant("the mean of log-weights instead of log-mean-exp", "iwae",
            "return log_mean_exp(log_importance_weights(x, encoder, decoder, k, eps=eps), dim=0)",
            "return log_importance_weights(x, encoder, decoder, k, eps=eps).mean(0)", ["iwae.iwae_bound"]),
    variant("the prior term missing from the importance weights", "iwae",
            "pieces.append(log_lik + log_normal_diag(z, zero, zero) - log_normal_diag(z, mu, logvar))",
            "pieces.append(log_lik - log_normal_diag(z, mu, logvar))",
            ["iwae.log_importance_weights"]),
    variant("the wake phase not detached (encoder gradients leak)", "wake_sleep",
            "    with torch.no_grad():\n        mu, logvar = encoder(x)\n        if eps is None:\n"
            "            eps = torch.randn((n_samples, *mu.shape), dtype=mu.dtype, device=mu.device)\n"
            "        z = mu + torch.exp(0.5 * logvar) * eps  # [L, B, K]",
            "    mu, logvar = encoder(x)\n    if eps is None:\n"
            "        eps = torch.randn((n_samples, *mu.shape), dtype=mu.dtype, device=mu.device)\n"
            "    z = mu + torch.exp(0.5 * logvar) * eps  # [L, B, K]", ["wake_sleep.wake_loss"]),
    variant("sleep targets from sigmoid means instead of samples", "wake_sleep",
            "x = (u < probs).to(probs.dtype)", "x = probs",
            ["wake_sleep.sleep_loss"]),
    variant("sleep before wake", "wake_sleep",
            "    wake_opt.zero_grad()\n    wake = wake_loss(x, encoder, decoder, n_samples=n_samples, eps=eps)\n"
            "    wake.backward()\n    wake_opt.step()\n\n    sleep_opt.zero_grad()\n"
            "    n_dreams = n_samples if z is None else z.shape[0]\n"
            "    sleep = sleep_loss(encoder, decoder, n_dreams, latent_dim, z=z, u=u)\n"
            "    sleep.backward()\n    sleep_opt.step()\n",
            "    sleep_opt.zero_grad()\n    n_dreams = n_samples if z is None else z.shape[0]\n"
            "    sleep = sleep_loss(encoder, decoder, n_dreams, latent_dim, z=z, u=u)\n"
            "    sleep.backward()\n    sleep_opt.step()\n\n    wake_opt.zero_grad()\n"
            "    wake = wake_loss(x, encoder, decoder, n_samples=n_samples, eps=eps)\n"
            "    wake.backward()\n    wake_opt.step()\n", ["wake_sleep.wake_sleep_step"]),
    variant("aevb_step returns the loss after the step", "wake_sleep",
            "    opt.step()\n    return loss.item()",
            "    opt.step()\n    return -elbo(x, encoder, decoder, n_samples=n_samples, eps=eps)[0].mean().item()",
            ["wake_sleep.aevb_step"]),
    variant("the GMVAE −log M term missing", "gmvae",
            "return log_mean_exp(per_component, dim=-1)", "return per_component.logsumexp(dim=-1)",
            ["gmvae.log_normal_mixture"]),
    variant("masks A and B swapped", "pixelcnn", 'if mask_type == "B":', 'if mask_type == "A":',
            ["pixelcnn.causal_mask", "pixelcnn.MaskedConv2d"]),
    variant("the mask applied only at construction", "pixelcnn",
            '        self.register_buffer("mask", causal_mask(kernel_size, mask_type))\n\n    def forward(self, x):\n'
            "        # SOLUTION\n        return self._conv_forward(x, self.weight * self.mask, self.bias)",
            '        self.register_buffer("mask", causal_mask(kernel_size, mask_type))\n'
            "        with torch.no_grad():\n            self.weight.mul_(self.mask)\n\n    def forward(self, x):\n"
            "        return self._conv_forward(x, self.weight, self.bias)", ["pixelcnn.MaskedConv2d"]),
    variant("row and column swapped in the receptive field", "pixelcnn",
            "out = model(x)[0, :, row, col]", "out = model(x)[0, :, col, row]", ["pixelcnn.receptive_field"]),
    variant("the optimal discriminator inverted", "discriminator",
            "return torch.sigmoid(log_p_data - log_p_model)", "return torch.sigmoid(log_p_model - log_p_data)",
            ["discriminator.optimal_discriminator"]),
    variant("the optimal discriminator through densities (overflows)", "discriminator",
            "return torch.sigmoid(log_p_data - log_p_model)",
            "return torch.exp(log_p_data) / (torch.exp(log_p_data) + torch.exp(log_p_model))",
            ["discriminator.optimal_discriminator"]),
    variant("the density ratio inverted", "discriminator",
            "return log_f0 + torch.log(d) - torch.log1p(-d)", "return log_f0 - torch.log(d) + torch.log1p(-d)",
            ["discriminator.log_density_from_discriminator"]),
    variant("the DV bound without its log", "divergences",
            "return t_p.mean() - (torch.logsumexp(flat, 0) - math.log(flat.numel()))",
            "return t_p.mean() - torch.exp(flat).mean()", ["divergences.dv_bound"]),
    variant("NWJ with exp(T) instead of exp(T − 1)", "divergences",
            "return t_p.mean() - kl_conjugate(t_q).mean()", "return t_p.mean() - torch.exp(t_q).mean()",
            ["divergences.nwj_bound"]),
    variant("JSD in bits", "divergences",
            "return 0.5 * kl_discrete(p, m) + 0.5 * kl_discrete(q, m)",
            "return (0.5 * kl_discrete(p, m) + 0.5 * kl_discrete(q, m)) / math.log(2)", ["divergences.js_discrete"]),
    variant("KL with 0·log 0 = NaN", "divergences",
            "return (torch.xlogy(p, p) - torch.xlogy(p, q)).sum(-1)", "return (p * torch.log(p / q)).sum(-1)",
            ["divergences.kl_discrete"]),
    variant("W1 without sorting", "divergences",
            "return (torch.sort(x.reshape(-1)).values - torch.sort(y.reshape(-1)).values).abs().mean()",
            "return (x.reshape(-1) - y.reshape(-1)).abs().mean()", ["divergences.wasserstein_1d"]),
    variant("the non-saturating loss with its sign flipped", "gan",
            "return -F.logsigmoid(fake_logits).mean()", "return F.logsigmoid(fake_logits).mean()",
            ["gan.generator_loss_nonsaturating"]),
    variant("the minimax loss with its sign flipped", "gan",
            "return F.logsigmoid(-fake_logits).mean()", "return -F.logsigmoid(-fake_logits).mean()",
            ["gan.generator_loss_minimax"]),
    variant("a GAN step that updates G against the stale D", "gan",
            "    d_opt.zero_grad()\n    d_loss = discriminator_loss(discriminator(x), discriminator(fake.detach()))\n"
            "    d_loss.backward()\n    d_opt.step()\n\n    g_opt.zero_grad()\n"
            "    g_loss = GENERATOR_LOSSES[loss](discriminator(fake))",
            "    stale = discriminator(fake)\n    d_opt.zero_grad()\n"
            "    d_loss = discriminator_loss(discriminator(x), discriminator(fake.detach()))\n"
            "    d_loss.backward()\n    d_opt.step()\n\n    g_opt.zero_grad()\n"
            "    g_loss = GENERATOR_LOSSES[loss](stale.detach() + 0 * discriminator(fake))", ["gan.gan_step"]),
    variant("BiGAN roles swapped in the discriminator update", "bigan",
            "d_loss = bigan_discriminator_loss(discriminator(x, ex.detach()), discriminator(gz.detach(), z))",
            "d_loss = bigan_discriminator_loss(discriminator(gz.detach(), z), discriminator(x, ex.detach()))",
            ["bigan.bigan_step"]),
    variant("BiGAN generator/encoder loss without swapped labels", "bigan",
            "return -F.logsigmoid(-real_logits).mean() - F.logsigmoid(fake_logits).mean()",
            "return -bigan_discriminator_loss(real_logits, fake_logits)",
            ["bigan.bigan_generator_encoder_loss"]),
]

WRONG_ANSWERS = {"parallel_lines": {"kl_pq": "oo", "kl_qp": "0", "jsd": "log(2)", "w": "theta"},
                 "disjoint_jsd": "log(2)", "gan_global_minimum": "-log(2)", "kl_convex_conjugate": "exp(t - 1)",
                 "ml_gan_f": "-exp(a)", "aevb_kl_grad_mu": "mu", "aevb_kl_grad_sigma": "1/sigma - sigma",
                 "receptive_fields": {"AA": [11, 12, 13, 21, 22], "AB": [11, 12, 13, 14, 15, 21, 22, 23, 24, 31, 32],
                                      "BA": [11, 12, 13, 14, 15, 21, 22, 23, 24, 31, 32],
                                      "BB": [11, 12, 13, 14, 15, 21, 22, 23, 24, 31, 32, 33]},
                 "bound_order": "R1"}
# answers are graded in four tests; a wrong key costs its test, which covers its neighbours
WRONG_ANSWERS_LOSE = frozenset({"answers.parallel_lines", "answers.disjoint_jsd", "answers.bound_order",
                                "answers.gan_global_minimum", "answers.kl_convex_conjugate", "answers.ml_gan_f",
                                "answers.aevb_kl_grad_mu", "answers.aevb_kl_grad_sigma", "answers.receptive_fields"})
