"""Checkers for the exercises of chapter 4, "The mathematics, checked".

Each checker calls the reader's function on chosen inputs and on inputs drawn at random,
compares it with :mod:`aigc_course.maths.theory`, and recognises the usual mistakes so
that it can say what is wrong::

    from aigc_course.exercises import math as ex
    ex.check_gaussian_kl(my_kl)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback, expected
from aigc_course.maths import theory

__all__ = [
    "check_bce",
    "check_gaussian_kl",
    "check_generator_gradient",
    "check_js_divergence",
    "check_linear_gaussian_posterior",
    "check_optimal_discriminator",
]

_close = functools.partial(checking.close, rtol=1e-5, atol=1e-8)
# NaN and infinite answers pass through to the checkers, which explain them (a JSD of 0
# log 0).
_numbers = functools.partial(checking.numbers, finite=False)


# --------------------------------------------------------------------------
# Gaussian KL of the VAE
# --------------------------------------------------------------------------

_KL_MU = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, -0.5], [2.0, 0.3]])
_KL_LOG_VAR = np.log(np.array([[1.0, 1.0], [4.0, 4.0], [0.25, 1.0], [2.0, 0.5]]))


def _kl_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case((_KL_MU, _KL_LOG_VAR), "on the book's example"),
        Case(
            (rng.normal(0, 1, (5, 3)), rng.normal(0, 0.8, (5, 3))),
            "on random inputs of shape (5, 3)",
        ),
        Case(
            (rng.normal(0, 1, (3, 6)), rng.normal(0, 0.8, (3, 6))),
            "on random inputs of shape (3, 6)",
        ),
    ]


def _kl_shape(out, right, case) -> str:
    mu = case.args[0]
    if np.shape(out) == mu.shape:
        return (
            f"returned shape {np.shape(out)}, one value per latent dimension: sum "
            "over the last axis"
        )
    if np.shape(out) == ():
        return (
            "returned one number for the whole batch: return one KL per row (sum "
            "over the last axis only)"
        )
    return (
        f"returned shape {np.shape(out)}, expected {np.shape(right)} (one KL per row)"
    )


def _kl_of(terms):
    """A KL-like sum ``-1/2 sum(terms(mu, log_var))`` over the last axis, as a mistake's
    answer."""
    return lambda mu, lv: -0.5 * np.sum(terms(mu, lv), axis=-1)


_KL_MISTAKES = {
    "your KL is negative (a KL never is): "
    "did you drop the minus sign of -1/2?": lambda mu, lv: -theory.gaussian_kl(mu, lv),
    "you are missing the factor 1/2 in front of the sum": lambda mu, lv: (
        2 * theory.gaussian_kl(mu, lv)
    ),
    "you averaged over the latent dimensions: the KL of independent dimensions adds "
    "up (sum them)": lambda mu, lv: theory.gaussian_kl(mu, lv) / mu.shape[-1],
    "you used exp(2 log_var) for sigma^2: log_var is already log(sigma^2), so sigma^2 "
    "= exp(log_var)": _kl_of(lambda mu, lv: 1 + lv - mu**2 - np.exp(2 * lv)),
    "the mu^2 term has the wrong sign: it is -mu^2 inside the sum (moving the mean "
    "away from 0 costs)": _kl_of(lambda mu, lv: 1 + lv + mu**2 - np.exp(lv)),
    "you used log_var itself where sigma^2 = exp(log_var) belongs": _kl_of(
        lambda mu, lv: 1 - mu**2
    ),
}


def _kl_diagnose(outs, rights, cases):
    if abs(outs[0][0]) > 1e-8:
        return [f"KL(N(0, 1) || N(0, 1)) must be 0, yours is {outs[0][0]:.4g}"]
    return []


@checking.checker
def check_gaussian_kl(fn, show: bool = True) -> Feedback:
    """Check ``fn(mu, log_var) -> KL(N(mu, exp(log_var)) || N(0, I))``, one value per
    row (summed over the last axis)."""
    return checking.judge(
        "Gaussian KL",
        fn,
        _kl_cases(),
        theory.gaussian_kl,
        same=_close,
        convert=_numbers,
        shape=_kl_shape,
        mistakes=_KL_MISTAKES,
        diagnose=_kl_diagnose,
        differs_hints=["KL = -1/2 * sum(1 + log_var - mu**2 - exp(log_var), axis=-1)"],
        quiet=True,
        show=show,
    )


# --------------------------------------------------------------------------
# Binary cross-entropy
# --------------------------------------------------------------------------

_BCE_Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
_BCE_P = np.array([0.9, 0.2, 0.3, 0.8, 0.6, 0.4])


def _bce_cases() -> list[Case]:
    rng = checking.fresh_rng()
    # both classes, in a random order
    y = rng.permutation(np.r_[np.ones(4), np.zeros(5)])
    return [
        Case((_BCE_Y, _BCE_P), "on the book's example"),
        Case((y, rng.uniform(0.05, 0.95, 9)), "on random targets and probabilities"),
        Case(
            (rng.uniform(0, 1, 7).round(1), rng.uniform(0.05, 0.95, 7)),
            "on random soft targets",
        ),
    ]


def _bce_shape(out, right, case) -> str:
    if np.shape(out) == np.shape(case.args[0]):
        return "returned one loss per example: take the mean over the batch"
    return f"returned shape {np.shape(out)}, expected a single number (the mean)"


def _per_example(y, p):
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


_BCE_MISTAKES = {
    "for y=0 your loss is 0 whatever p is (even p=0.99): the (1 - y) log(1 - p) term "
    "is missing, "
    "so predicting 'real' for "
    "everything would cost nothing": lambda y, p: float(np.mean(-y * np.log(p))),
    "your loss is negative: cross-entropy is -[y log p + (1 - y) log(1 - p)], with "
    "the minus sign": lambda y, p: -theory.binary_cross_entropy(y, p),
    "you summed over the batch: take the mean": lambda y, p: float(
        _per_example(y, p).sum()
    ),
    "you used log base 2: the book's "
    "cross-entropy uses the natural log "
    "(nats)": lambda y, p: theory.binary_cross_entropy(y, p) / np.log(2),
    "you used log base 10: the book's "
    "cross-entropy uses the natural log "
    "(nats)": lambda y, p: theory.binary_cross_entropy(y, p) / np.log(10),
    "you weighted log(1 - p) by y and log p by "
    "(1 - y): the log of p pairs with y": lambda y, p: float(
        np.mean(-((1 - y) * np.log(p) + y * np.log(1 - p)))
    ),
}


@checking.checker
def check_bce(fn, show: bool = True) -> Feedback:
    """Check ``fn(y, p) -> mean(-[y log p + (1 - y) log(1 - p)])``, a single number."""
    return checking.judge(
        "Binary cross-entropy",
        fn,
        _bce_cases(),
        theory.binary_cross_entropy,
        same=_close,
        convert=_numbers,
        shape=_bce_shape,
        mistakes=_BCE_MISTAKES,
        hints=["BCE = -mean(y * log(p) + (1 - y) * log(1 - p))"],
        show=show,
    )


# --------------------------------------------------------------------------
# Optimal discriminator and JS divergence
# --------------------------------------------------------------------------

_GRID = np.linspace(-4, 6, 201)


def _density_cases() -> list[Case]:
    rng = checking.fresh_rng()
    shift, scale = rng.uniform(1.0, 3.0), rng.uniform(0.6, 1.5)
    return [
        Case(
            (theory.normal_pdf(_GRID, 2.0, 1.0), theory.normal_pdf(_GRID, 0.0, 1.0)),
            "for p_data = N(2, 1), p_g = N(0, 1)",
        ),
        Case(
            (
                theory.normal_pdf(_GRID, shift, scale),
                theory.normal_pdf(_GRID, 0.0, 1.0),
            ),
            "for a random p_data",
        ),
        Case(
            (
                theory.normal_pdf(_GRID[::4], -shift, 1.0),
                theory.normal_pdf(_GRID[::4], 0.5, scale),
            ),
            "for two random densities",
        ),
    ]


def _d_star_diagnose(outs, rights, cases):
    out = outs[0]
    if np.allclose(out, 0.5):
        return [
            "a constant 0.5 is optimal only when p_g = p_data; here the generator "
            "is off by 2"
        ]
    if np.any(out < 0) or np.any(out > 1):
        return [
            f"D* is a probability, yours ranges over [{out.min():.3g}, {out.max():.3g}]"
        ]
    return ["values differ from p_data / (p_data + p_g)"]


@checking.checker
def check_optimal_discriminator(fn, show: bool = True) -> Feedback:
    """Check ``fn(p_data, p_g) -> D*`` (element-wise), for two densities on a grid."""
    return checking.judge(
        "Optimal discriminator",
        fn,
        _density_cases(),
        theory.optimal_discriminator,
        same=_close,
        convert=_numbers,
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)}, expected "
            f"{right.shape}: one D*(x) per grid point"
        ),
        mistakes={
            "your D* is near 0 where the data are denser: D is the probability of "
            "'real', so p_data goes in the numerator": lambda pd, pg: pg / (pd + pg),
            "your values exceed 1: p_data / p_g is a density ratio, not a "
            "probability; divide by p_data + p_g": lambda pd, pg: pd / pg,
        },
        diagnose=_d_star_diagnose,
        hints=["D*(x) = p_data(x) / (p_data(x) + p_g(x))"],
        quiet=True,
        show=show,
    )


_JS_P = np.array([0.5, 0.3, 0.2, 0.0])
_JS_Q = np.array([0.1, 0.2, 0.3, 0.4])


def _js_cases() -> list[Case]:
    rng = checking.fresh_rng()
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    p_zero = rng.dirichlet(np.ones(5))
    return [
        Case((_JS_P, _JS_Q), "for p = [0.5, 0.3, 0.2, 0], q = [0.1, 0.2, 0.3, 0.4]"),
        Case((p, q), "for two random distributions"),
        Case(
            (np.r_[p_zero, 0.0], rng.dirichlet(np.ones(6))),
            "for a random p with a zero where q is not",
        ),
    ]


def _js_diagnose(outs, rights, cases):
    if not all(np.all(np.isfinite(o)) for o in outs):
        return [
            "your result is not finite although p has a zero where q does not: count "
            "0 * log 0 as 0 "
            "(e.g. scipy.special.xlogy), and compare with m = (p + q) / 2, which is "
            "never 0 where p > 0"
        ]
    return []


def _js_symmetry(fn) -> list[str]:
    rng = checking.fresh_rng()
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    forward, _ = checking.run(fn, (p, q), _numbers, quiet=True)
    backward, _ = checking.run(fn, (q, p), _numbers, quiet=True)
    if forward is None or backward is None or _close(forward, backward):
        return []
    return ["your JSD(p, q) differs from JSD(q, p): the JS divergence is symmetric"]


def _half_kl(p, m):
    return theory.kl_divergence(p, m)


_JS_MISTAKES = {
    "you used log base 2: the book works in "
    "nats (natural log), so JSD <= log 2": lambda p, q: (
        theory.js_divergence(p, q) / np.log(2)
    ),
    "you forgot to halve: JSD = KL(p || m) / 2 + KL(q || m) / 2": lambda p, q: (
        2 * theory.js_divergence(p, q)
    ),
    "m must be the mixture (p + q) / 2, not p + q": lambda p, q: (
        0.5 * _half_kl(p, p + q) + 0.5 * _half_kl(q, p + q)
    ),
    "you computed only KL(p || m): JSD "
    "averages KL(p || m) and KL(q || m)": lambda p, q: _half_kl(p, (p + q) / 2),
}


@checking.checker
def check_js_divergence(fn, show: bool = True) -> Feedback:
    """Check ``fn(p, q) -> JSD(p || q)`` in nats for two probability vectors (symmetric,
    finite with zeros)."""
    return checking.judge(
        "Jensen-Shannon divergence",
        fn,
        _js_cases(),
        theory.js_divergence,
        same=_close,
        convert=_numbers,
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)}, expected a single number"
        ),
        mistakes=_JS_MISTAKES,
        diagnose=lambda outs, rights, cases: (
            _js_diagnose(outs, rights, cases) or _js_symmetry(fn)
        ),
        extra=_js_symmetry,
        hints=["JSD = KL(p || m) / 2 + KL(q || m) / 2 with m = (p + q) / 2"],
        quiet=True,
        show=show,
    )


# --------------------------------------------------------------------------
# Generator gradients
# --------------------------------------------------------------------------

_D_VALUES = np.array([0.001, 0.01, 0.1, 0.5, 0.9, 0.99])


def _gradient_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case((_D_VALUES,), f"at D = {_D_VALUES.tolist()}"),
        Case((rng.uniform(0.01, 0.99, 8),), "at random values of D"),
        Case((rng.uniform(0.001, 0.05, 5),), "at random D near 0 (fakes rejected)"),
    ]


@checking.checker
def check_generator_gradient(fn, show: bool = True) -> Feedback:
    """Check ``fn(d) -> d(-log D)/da``, the non-saturating loss's derivative with
    respect to D's logit ``a``, where ``D = sigmoid(a)``."""
    return checking.judge(
        "Non-saturating generator gradient",
        fn,
        _gradient_cases(),
        lambda d: theory.generator_loss_gradient(d, "non-saturating"),
        same=_close,
        convert=_numbers,
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)}, expected "
            f"{right.shape}: one gradient per value of D"
        ),
        mistakes={
            "that is the saturating loss's gradient (of log(1 - D)), -D: it vanishes "
            "where D(G(z)) is near 0, "
            "which is exactly where the generator needs it": lambda d: -d,
            "the sign is flipped: the derivative of -log(sigmoid(a)) is -(1 - D), "
            "negative, "
            "so gradient descent raises the logit": lambda d: 1 - d,
            "that is the derivative with respect to D, -1/D; the question asks for "
            "the logit a: multiply by dD/da = D(1 - D)": lambda d: -1 / d,
        },
        hints=["d(-log sigmoid(a))/da = -(1 - sigmoid(a))"],
        show=show,
    )


# --------------------------------------------------------------------------
# Exact posterior of the linear-Gaussian model
# --------------------------------------------------------------------------

_POST_X = np.array([-1.0, 0.5, 3.0])


def _posterior_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case((_POST_X, 2.0, 0.5, 0.5), "for w=2, b=0.5, s=0.5"),
        Case(
            (
                rng.normal(0, 2, 4),
                float(rng.uniform(0.5, 3)),
                float(rng.normal()),
                float(rng.uniform(0.3, 2)),
            ),
            "for a random model",
        ),
        Case(
            (
                rng.normal(0, 2, 5),
                float(-rng.uniform(0.5, 3)),
                float(rng.normal()),
                float(rng.uniform(0.3, 2)),
            ),
            "for a random model with w < 0",
        ),
    ]


def _pair(out):
    """The answer as a ``(2, len(x))`` array: mean and variance, a scalar variance
    broadcast."""
    try:
        mean, var = out
        mean, var = (
            np.asarray(checking.to_numpy(mean), float),
            np.asarray(checking.to_numpy(var), float),
        )
        length = max(mean.size, var.size)
        return np.stack(
            [np.broadcast_to(mean, (length,)), np.broadcast_to(var, (length,))]
        ), None
    except Exception as err:
        return (
            None,
            "expected a pair (mean, var), one value per x; got an error: "
            f"{type(err).__name__}: {err}",
        )


def _posterior_reference(x, w, b, s):
    mean, var = theory.linear_gaussian_posterior(x, w, b, s)
    return np.stack([mean, np.broadcast_to(var, np.shape(x))])


def _posterior_diagnose(outs, rights, cases):
    problems = []
    (mean, var), (right_mean, right_var) = outs[0], rights[0]
    x, w, b, s = cases[0].args
    if not _close(var, right_var):
        if _close(var, np.full_like(var, s**2)) or _close(
            var, np.full_like(var, s**2 / w**2)
        ):
            problems.append(
                "your variance ignores the prior z ~ N(0, 1): precisions "
                "add, 1/var = 1 + w^2 / s^2"
            )
        elif _close(var, np.sqrt(right_var)):
            problems.append(
                "you returned the standard deviation; the function must "
                "return the variance"
            )
        else:
            problems.append(
                f"variance {float(var[0]):.4g}, "
                f"{expected(f's^2 / (s^2 + w^2) = {right_var[0]:.4g}')}"
            )
    if not _close(mean, right_mean):
        if _close(mean, (x - b) / w):
            problems.append(
                "your mean inverts x = w z + b and ignores the prior: the prior pulls "
                "z towards 0, mean = w (x - b) / (s^2 + w^2)"
            )
        elif _close(mean, w * x / (s**2 + w**2)):
            problems.append("your mean forgets to subtract the offset b from x")
        else:
            problems.append(
                f"means {checking.fmt(mean)}, {expected(checking.fmt(right_mean))}"
            )
    return problems


@checking.checker
def check_linear_gaussian_posterior(fn, show: bool = True) -> Feedback:
    """Check ``fn(x, w, b, s) -> (mean, var)`` of ``p(z | x)`` for ``z ~ N(0, 1)``, ``x
    | z ~ N(w z + b, s^2)``."""
    return checking.judge(
        "Posterior of the linear-Gaussian model",
        fn,
        _posterior_cases(),
        _posterior_reference,
        same=_close,
        convert=_pair,
        diagnose=_posterior_diagnose,
        hints=[
            "multiply the prior N(0, 1) by the likelihood N(x; w z + b, s^2) and "
            "complete the square in z"
        ],
        show=show,
    )
