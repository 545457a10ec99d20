"""Submissions for the training checks: the reference, and mistakes in its step functions
(graded with the training problem, which `autograder validate` leaves out of its variants)."""
import dataclasses

from tests.submissions import flat_source


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    module: str
    old: str
    new: str
    must: frozenset  # the functions (or "training.RUN") whose tests must lose points
    may: frozenset = frozenset()  # and those that may: a training run over a one-step mistake

    def source(self):
        original = flat_source(self.module)
        assert original.count(self.old) == 1, f"{self.name}: the edit no longer applies to {self.module}.py"
        return original.replace(self.old, self.new)


def variant(name, module, old, new, must, may=()):
    return Mutant(name, module, old, new, frozenset(must), frozenset(may))


WS = "wake_sleep"
MUTANTS = [
    variant("wake phase not detached", WS,
            "    with torch.no_grad():\n        mu, logvar = encoder(x)",
            "    if True:\n        mu, logvar = encoder(x)", [f"{WS}.wake_loss"], [f"{WS}.wake_sleep_step"]),
    variant("sleep before wake", WS,
            "    wake_opt.zero_grad()\n    wake = wake_loss(x, encoder, decoder, n_samples=n_samples, eps=eps)\n"
            "    wake.backward()\n    wake_opt.step()\n",
            "", [f"{WS}.wake_sleep_step"]),
    variant("aevb_step returns the loss after the step", WS,
            "    opt.step()\n    return loss.item()",
            "    opt.step()\n    return (-elbo(x, encoder, decoder, n_samples=n_samples, eps=eps)[0].mean()).item()",
            [f"{WS}.aevb_step"]),
    variant("aevb_step climbs the loss", WS,
            "    loss = -elbo(x, encoder, decoder, n_samples=n_samples, eps=eps)[0].mean()\n    loss.backward()",
            "    loss = -elbo(x, encoder, decoder, n_samples=n_samples, eps=eps)[0].mean()\n    (-loss).backward()",
            [f"{WS}.aevb_step", "training.aevb"]),
    # an encoder that never learns still passes the held-out bound under this budget (k = 100
    # importance samples make up for a poor q); the one-step check is what catches it
    variant("sleep phase never steps", WS, "    sleep.backward()\n    sleep_opt.step()\n", "    sleep.backward()\n",
            [f"{WS}.wake_sleep_step"], ["training.wake_sleep"]),
]


def sleep_before_wake(source):
    """The 'sleep before wake' edit removes the wake update; this puts it after the sleep one."""
    wake = ("    wake_opt.zero_grad()\n    wake = wake_loss(x, encoder, decoder, n_samples=n_samples, eps=eps)\n"
            "    wake.backward()\n    wake_opt.step()\n")
    return source.replace("    sleep_opt.step()\n    return wake.item()", "    sleep_opt.step()\n" + wake + "    return wake.item()")


def source(mutant):
    text = mutant.source()
    return sleep_before_wake(text) if mutant.name == "sleep before wake" else text

