"""Checkers for the exercises of chapter 4, "The mathematics, checked".

Each checker calls the reader's function on a few chosen inputs, compares it
with :mod:`aigc_course.theory`, and recognises the usual mistakes so that it can
say what is wrong::

    from aigc_course.exercises import math as ex
    ex.check_gaussian_kl(my_kl)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course import theory
from aigc_course.exercises import _checking as checking
from aigc_course.exercises._feedback import Feedback, feedback

__all__ = [
    "check_bce",
    "check_gaussian_kl",
    "check_generator_gradient",
    "check_js_divergence",
    "check_linear_gaussian_posterior",
    "check_optimal_discriminator",
]


# The reader's function is run and its answer compared by the shared helpers.  NaN and
# infinite answers pass through: a checker below explains them (a JSD that is not finite).
_call = functools.partial(checking.call, finite=False)
_close = functools.partial(checking.close, rtol=1e-5, atol=1e-8)


# --------------------------------------------------------------------------
# Gaussian KL of the VAE
# --------------------------------------------------------------------------

_KL_MU = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, -0.5], [2.0, 0.3]])
_KL_LOG_VAR = np.log(np.array([[1.0, 1.0], [4.0, 4.0], [0.25, 1.0], [2.0, 0.5]]))


def check_gaussian_kl(fn, show: bool = True) -> Feedback:
    """Check ``fn(mu, log_var) -> KL(N(mu, exp(log_var)) || N(0, I))``, one value per row (summed over the last axis)."""
    name = "Gaussian KL"
    out, problem = _call(fn, _KL_MU.copy(), _KL_LOG_VAR.copy())
    if problem:
        return feedback(name, [problem], show=show)
    right = theory.gaussian_kl(_KL_MU, _KL_LOG_VAR)
    if _close(out, right):
        return feedback(name, [], show=show)
    problems, hints = [], []
    if out.shape != right.shape:
        if out.shape == _KL_MU.shape:
            problems.append(f"returned shape {out.shape}, one value per latent dimension: sum over the last axis")
        elif out.shape == ():
            problems.append("returned one number for the whole batch: return one KL per row (sum over the last axis only)")
        else:
            problems.append(f"returned shape {out.shape}, expected {right.shape} (one KL per row)")
        return feedback(name, problems, hints, show=show)
    mu2, v = _KL_MU**2, np.exp(_KL_LOG_VAR)
    if abs(out[0]) > 1e-8:
        problems.append(f"KL(N(0, 1) || N(0, 1)) must be 0, yours is {out[0]:.4g}")
    if out[1] < 0:
        problems.append(f"your KL is negative ({out[1]:.4g}) for mu=0, sigma=2: did you drop the minus sign of -1/2?")
    candidates = {
        "you are missing the factor 1/2 in front of the sum": 2 * right,
        "you averaged over the latent dimensions: the KL of independent dimensions adds up (sum them)": right / _KL_MU.shape[1],
        "you used exp(2 log_var) for sigma^2: log_var is already log(sigma^2), so sigma^2 = exp(log_var)": -0.5
        * np.sum(1 + _KL_LOG_VAR - mu2 - v**2, axis=-1),
        "the mu^2 term has the wrong sign: it is -mu^2 inside the sum (moving the mean away from 0 costs)": -0.5
        * np.sum(1 + _KL_LOG_VAR + mu2 - v, axis=-1),
        "you used log_var itself where sigma^2 = exp(log_var) belongs": -0.5 * np.sum(1 + _KL_LOG_VAR - mu2 - _KL_LOG_VAR, axis=-1),
    }
    for message, wrong in candidates.items():
        if _close(out, wrong):
            problems.append(message)
            break
    if not problems:
        problems.append(f"values {np.round(out, 4).tolist()} differ from the expected {np.round(right, 4).tolist()}")
        hints.append("KL = -1/2 * sum(1 + log_var - mu**2 - exp(log_var), axis=-1)")
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# Binary cross-entropy
# --------------------------------------------------------------------------

_BCE_Y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
_BCE_P = np.array([0.9, 0.2, 0.3, 0.8, 0.6, 0.4])


def check_bce(fn, show: bool = True) -> Feedback:
    """Check ``fn(y, p) -> mean(-[y log p + (1 - y) log(1 - p)])``, a single number."""
    name = "Binary cross-entropy"
    out, problem = _call(fn, _BCE_Y.copy(), _BCE_P.copy())
    if problem:
        return feedback(name, [problem], show=show)
    right = theory.binary_cross_entropy(_BCE_Y, _BCE_P)
    if out.shape != ():
        if out.shape == _BCE_Y.shape:
            return feedback(name, ["returned one loss per example: take the mean over the batch"], show=show)
        return feedback(name, [f"returned shape {out.shape}, expected a single number (the mean)"], show=show)
    if _close(out, right):
        return feedback(name, [], show=show)
    problems = []
    zeros, problem = _call(fn, np.zeros(3), np.array([0.1, 0.5, 0.99]))
    if problem is None and zeros.shape == () and abs(float(zeros)) < 1e-12:
        problems.append(
            "for y=0 your loss is 0 whatever p is (even p=0.99): the (1 - y) log(1 - p) term is missing, "
            "so predicting 'real' for everything would cost nothing"
        )
    per = -(_BCE_Y * np.log(_BCE_P) + (1 - _BCE_Y) * np.log(1 - _BCE_P))
    candidates = {
        "your loss is negative: cross-entropy is -[y log p + (1 - y) log(1 - p)], with the minus sign": -right,
        "you summed over the batch: take the mean": per.sum(),
        "you used log base 2: the book's cross-entropy uses the natural log (nats)": right / np.log(2),
        "you used log base 10: the book's cross-entropy uses the natural log (nats)": right / np.log(10),
        "you weighted log(1 - p) by y and log p by (1 - y): the log of p pairs with y": float(
            np.mean(-((1 - _BCE_Y) * np.log(_BCE_P) + _BCE_Y * np.log(1 - _BCE_P)))
        ),
    }
    if not problems:
        problems += [m for m, wrong in candidates.items() if _close(out, wrong, rtol=1e-4)][:1]
    if not problems:
        problems.append(f"your loss is {float(out):.5f}, expected {right:.5f}")
    return feedback(name, problems, ["BCE = -mean(y * log(p) + (1 - y) * log(1 - p))"], show=show)


# --------------------------------------------------------------------------
# Optimal discriminator and JS divergence
# --------------------------------------------------------------------------

_GRID = np.linspace(-4, 6, 201)
_P_DATA = theory.normal_pdf(_GRID, 2.0, 1.0)
_P_G = theory.normal_pdf(_GRID, 0.0, 1.0)


def check_optimal_discriminator(fn, show: bool = True) -> Feedback:
    """Check ``fn(p_data, p_g) -> D*`` (element-wise), for the two densities on a grid."""
    name = "Optimal discriminator"
    out, problem = _call(fn, _P_DATA.copy(), _P_G.copy())
    if problem:
        return feedback(name, [problem], show=show)
    right = theory.optimal_discriminator(_P_DATA, _P_G)
    if out.shape != right.shape:
        return feedback(name, [f"returned shape {out.shape}, expected {right.shape}: one D*(x) per grid point"], show=show)
    if _close(out, right):
        return feedback(name, [], show=show)
    problems = []
    if _close(out, 1 - right):
        problems.append(
            "your D* is near 0 where the data are denser: D is the probability of 'real', "
            "so p_data goes in the numerator"
        )
    elif _close(out, _P_DATA / _P_G):
        problems.append("your values exceed 1: p_data / p_g is a density ratio, not a probability; divide by p_data + p_g")
    elif np.allclose(out, 0.5):
        problems.append("a constant 0.5 is optimal only when p_g = p_data; here the generator is off by 2")
    elif np.any(out < 0) or np.any(out > 1):
        problems.append(f"D* is a probability, yours ranges over [{out.min():.3g}, {out.max():.3g}]")
    else:
        problems.append("values differ from p_data / (p_data + p_g)")
    return feedback(name, problems, ["D*(x) = p_data(x) / (p_data(x) + p_g(x))"], show=show)


_JS_P = np.array([0.5, 0.3, 0.2, 0.0])
_JS_Q = np.array([0.1, 0.2, 0.3, 0.4])


def check_js_divergence(fn, show: bool = True) -> Feedback:
    """Check ``fn(p, q) -> JSD(p || q)`` in nats for two probability vectors."""
    name = "Jensen-Shannon divergence"
    out, problem = _call(fn, _JS_P.copy(), _JS_Q.copy())
    if problem:
        return feedback(name, [problem], show=show)
    if out.shape != ():
        return feedback(name, [f"returned shape {out.shape}, expected a single number"], show=show)
    right = theory.js_divergence(_JS_P, _JS_Q)
    if _close(out, right):
        return feedback(name, [], show=show)
    problems = []
    if not np.isfinite(out):
        problems.append(
            "your result is not finite although p has a zero where q does not: "
            "count 0 * log 0 as 0 (e.g. scipy.special.xlogy), and compare with m = (p + q) / 2, which is never 0 where p > 0"
        )
    else:
        m = (_JS_P + _JS_Q) / 2
        candidates = {
            "you used log base 2: the book works in nats (natural log), so JSD <= log 2": right / np.log(2),
            "you forgot to halve: JSD = KL(p || m) / 2 + KL(q || m) / 2": 2 * right,
            "m must be the mixture (p + q) / 2, not p + q": 0.5 * theory.kl_divergence(_JS_P, 2 * m)
            + 0.5 * theory.kl_divergence(_JS_Q, 2 * m),
            "you computed only KL(p || m): JSD averages KL(p || m) and KL(q || m)": theory.kl_divergence(_JS_P, m),
        }
        for message, wrong in candidates.items():
            if _close(out, wrong):
                problems.append(message)
                break
        swapped, _ = _call(fn, _JS_Q.copy(), _JS_P.copy())
        if not problems and swapped is not None and swapped.shape == () and not _close(swapped, out):
            problems.append("your JSD(p, q) differs from JSD(q, p): the JS divergence is symmetric")
        if not problems:
            problems.append(f"your value is {float(out):.5f}, expected {right:.5f}")
    return feedback(name, problems, ["JSD = KL(p || m) / 2 + KL(q || m) / 2 with m = (p + q) / 2"], show=show)


# --------------------------------------------------------------------------
# Generator gradients
# --------------------------------------------------------------------------

_D_VALUES = np.array([0.001, 0.01, 0.1, 0.5, 0.9, 0.99])


def check_generator_gradient(fn, show: bool = True) -> Feedback:
    """Check ``fn(d) -> d(-log D)/da``, the non-saturating loss's derivative with respect to D's logit ``a``, where ``D = sigmoid(a)``."""
    name = "Non-saturating generator gradient"
    out, problem = _call(fn, _D_VALUES.copy())
    if problem:
        return feedback(name, [problem], show=show)
    right = theory.generator_loss_gradient(_D_VALUES, "non-saturating")
    if out.shape != right.shape:
        return feedback(name, [f"returned shape {out.shape}, expected {right.shape}: one gradient per value of D"], show=show)
    if _close(out, right):
        return feedback(name, [], show=show)
    candidates = {
        "that is the saturating loss's gradient (of log(1 - D)), -D: it vanishes where D(G(z)) is near 0, "
        "which is exactly where the generator needs it": -_D_VALUES,
        "the sign is flipped: the derivative of -log(sigmoid(a)) is -(1 - D), negative, "
        "so gradient descent raises the logit": 1 - _D_VALUES,
        "that is the derivative with respect to D, -1/D; the question asks for the logit a: multiply by dD/da = D(1 - D)": -1
        / _D_VALUES,
    }
    problems = [m for m, wrong in candidates.items() if _close(out, wrong)][:1]
    if not problems:
        problems.append(f"at D = {_D_VALUES.tolist()} expected {right.tolist()}, got {np.round(out, 4).tolist()}")
    return feedback(name, problems, ["d(-log sigmoid(a))/da = -(1 - sigmoid(a))"], show=show)


# --------------------------------------------------------------------------
# Exact posterior of the linear-Gaussian model
# --------------------------------------------------------------------------

_POST_X = np.array([-1.0, 0.5, 3.0])
_POST_MODEL = {"w": 2.0, "b": 0.5, "s": 0.5}


def check_linear_gaussian_posterior(fn, show: bool = True) -> Feedback:
    """Check ``fn(x, w, b, s) -> (mean, var)`` of ``p(z | x)`` for ``z ~ N(0, 1)``, ``x | z ~ N(w z + b, s^2)``."""
    name = "Posterior of the linear-Gaussian model"
    w, b, s = _POST_MODEL["w"], _POST_MODEL["b"], _POST_MODEL["s"]
    if not callable(fn):
        return feedback(name, [f"expected a function, got {type(fn).__name__}"], show=show)
    try:
        mean, var = (checking.to_numpy(v) for v in fn(_POST_X.copy(), w, b, s))
        mean, var = np.broadcast_to(np.asarray(mean, float), _POST_X.shape), np.broadcast_to(np.asarray(var, float), _POST_X.shape)
    except Exception as err:
        return feedback(name, [f"expected a pair (mean, var), one value per x; got an error: {type(err).__name__}: {err}"], show=show)
    right_mean, right_var = theory.linear_gaussian_posterior(_POST_X, w, b, s)
    problems = []
    if not _close(var, right_var):
        if _close(var, np.full(3, s**2)) or _close(var, np.full(3, s**2 / w**2)):
            problems.append("your variance ignores the prior z ~ N(0, 1): precisions add, 1/var = 1 + w^2 / s^2")
        elif _close(var, np.full(3, np.sqrt(right_var[0]))):
            problems.append("you returned the standard deviation; the function must return the variance")
        else:
            problems.append(f"variance {float(var[0]):.4g}, expected s^2 / (s^2 + w^2) = {right_var[0]:.4g}")
    if not _close(mean, right_mean):
        if _close(mean, (_POST_X - b) / w):
            problems.append(
                "your mean inverts x = w z + b and ignores the prior: the prior pulls z towards 0, "
                "mean = w (x - b) / (s^2 + w^2)"
            )
        elif _close(mean, w * _POST_X / (s**2 + w**2)):
            problems.append("your mean forgets to subtract the offset b from x")
        else:
            problems.append(f"means {np.round(mean, 4).tolist()}, expected {np.round(right_mean, 4).tolist()}")
    return feedback(name, problems, ["multiply the prior N(0, 1) by the likelihood N(x; w z + b, s^2) and complete the square in z"], show=show)
