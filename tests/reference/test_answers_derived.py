"""reference/answers.yaml against derivations sympy does itself."""
import sympy as sp
import yaml

from autograder import course
from autograder.grader.answers import expressions_equal
from autograder.grader.answers import parse as parse_with
from tests.submissions import REFERENCE

SYMBOLS = course.load().symbols


def parse(text):
    return parse_with(text, SYMBOLS)


KEY = yaml.safe_load((REFERENCE / "answers.yaml").read_text())
t, a, mu = sp.symbols("t a mu", real=True)
sigma = sp.Symbol("sigma", positive=True)


def test_convex_conjugate_of_u_log_u():
    u = sp.Symbol("u", positive=True)
    objective = t * u - u * sp.log(u)
    (best,) = sp.solve(sp.diff(objective, u), u)  # stationary point; the objective is concave in u
    assert sp.diff(objective, u, 2).subs(u, best).simplify().is_negative
    assert expressions_equal(parse(KEY["kl_convex_conjugate"]), sp.simplify(objective.subs(u, best)))


def test_gradients_of_minus_kl_in_eq9():
    minus_kl = sp.Rational(1, 2) * (1 + sp.log(sigma**2) - mu**2 - sigma**2)  # −KL(N(mu, sigma²) ‖ N(0, 1))
    assert expressions_equal(parse(KEY["aevb_kl_grad_mu"]), sp.diff(minus_kl, mu))
    assert expressions_equal(parse(KEY["aevb_kl_grad_sigma"]), sp.diff(minus_kl, sigma))


def test_jsd_of_disjoint_supports_and_the_gan_minimum():
    p1, q1 = sp.symbols("p1 q1", positive=True)
    p = [p1, 1 - p1, 0, 0]
    q = [0, 0, q1, 1 - q1]

    def kl(x, y):
        return sum(xi * sp.log(xi / yi) for xi, yi in zip(x, y) if xi != 0)

    m = [(pi + qi) / 2 for pi, qi in zip(p, q)]
    jsd = sp.simplify(sp.expand_log((kl(p, m) + kl(q, m)) / 2, force=True))
    assert expressions_equal(parse(KEY["disjoint_jsd"]), jsd)
    assert expressions_equal(parse(KEY["parallel_lines"]["jsd"]), jsd)
    # C(G) = −log 4 + 2·JSD(p_data ‖ p_g), minimal where the JSD vanishes
    assert expressions_equal(parse(KEY["gan_global_minimum"]), -sp.log(4) + 2 * 0)
    # at D* the value function is E_p log ½ + E_q log ½ when p_g = p_data
    assert expressions_equal(parse(KEY["gan_global_minimum"]), 2 * sp.log(sp.Rational(1, 2)))


def test_maximum_likelihood_f_and_the_parallel_lines():
    # with D = σ(a): f(x) = −exp(a) = −D/(1 − D), the negative density ratio of the ML objective
    d = sp.Symbol("d", positive=True)
    assert expressions_equal(parse(KEY["ml_gan_f"]), (-d / (1 - d)).subs(d, 1 / (1 + sp.exp(-a))))
    theta = sp.Symbol("theta", real=True, nonzero=True)
    assert expressions_equal(parse(KEY["parallel_lines"]["w"]), sp.sqrt(theta**2))
    assert parse(KEY["parallel_lines"]["kl_pq"]) == sp.oo == parse(KEY["parallel_lines"]["kl_qp"])
