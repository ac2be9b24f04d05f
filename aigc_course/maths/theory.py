"""The formulas of the book's math chapter, in NumPy: short functions named after the
math.

Chapter 4 ("The mathematics, checked") states each formula and checks it
numerically against these functions, against the frameworks' built-ins and
against Monte Carlo estimates; the exercise checkers use them as references.

Conventions: natural logarithms (nats); densities are given as values on a
uniform grid with spacing ``dx`` (or as probabilities, with ``dx=1``); a
Gaussian's spread is its *variance* ``var`` or its log-variance ``log_var``,
never its standard deviation unless the argument is called ``std``.
Every function raises ``ValueError`` naming the argument on bad input.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import expit, xlogy

__all__ = [
    "bce_with_logits",
    "binary_cross_entropy",
    "gan_value",
    "gaussian_kl",
    "generator_loss_gradient",
    "js_divergence",
    "kl_divergence",
    "linear_gan_gradients",
    "linear_gaussian_elbo",
    "linear_gaussian_log_evidence",
    "linear_gaussian_posterior",
    "normal_kl",
    "normal_pdf",
    "optimal_discriminator",
    "sigmoid",
]


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _finite(name: str, value) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a number or an array of numbers, got "
            f"{type(value).__name__}"
        ) from None
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} must be finite, got non-finite values in an array "
            f"of shape {array.shape}"
        )
    return array


def _nonnegative(name: str, value) -> np.ndarray:
    array = _finite(name, value)
    if np.any(array < 0):
        raise ValueError(
            f"{name} must be >= 0 (a density or probability), got a "
            f"minimum of {array.min():g}"
        )
    return array


def _positive(name: str, value) -> np.ndarray:
    array = _finite(name, value)
    if np.any(array <= 0):
        raise ValueError(f"{name} must be > 0, got a minimum of {array.min():g}")
    return array


def _same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got "
            f"{a.shape} and {b.shape}"
        )


def _real(value) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
    )


def _positive_scalar(name: str, value) -> float:
    if not _real(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


# --------------------------------------------------------------------------
# Basics
# --------------------------------------------------------------------------


def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, computed without overflow."""
    return expit(_finite("x", x))


def bce_with_logits(logits, targets):
    """Binary cross-entropy from logits, element by element: ``-[t log s(l) + (1 - t)
    log(1 - s(l))]``.

    Written ``max(l, 0) - l t + log(1 + exp(-|l|))``, which never takes the log of
    0 or the exp of a large number (what the frameworks' ``..._with_logits`` do).
    """
    logits, targets = _finite("logits", logits), _finite("targets", targets)
    return np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))


def normal_pdf(x, mean=0.0, var=1.0):
    """Density of ``N(mean, var)`` at ``x`` (element-wise, broadcasting)."""
    x, mean, var = _finite("x", x), _finite("mean", mean), _positive("var", var)
    return np.exp(-0.5 * (x - mean) ** 2 / var) / np.sqrt(2 * np.pi * var)


# --------------------------------------------------------------------------
# GAN objective
# --------------------------------------------------------------------------


def optimal_discriminator(p_data, p_g):
    """The best discriminator for a fixed generator: ``D*(x) = p_data(x) / (p_data(x) +
    p_g(x))``.

    ``p_data`` and ``p_g`` are the two densities at the same points.  Where both
    are zero, no ``x`` is ever seen and any value is optimal; 0.5 is returned.
    """
    p_data, p_g = _nonnegative("p_data", p_data), _nonnegative("p_g", p_g)
    _same_shape("p_data", p_data, "p_g", p_g)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def gan_value(d, p_data, p_g, dx: float = 1.0, eps: float = 1e-12) -> float:
    """``V(D, G) = E_{x~p_data}[log D(x)] + E_{x~p_g}[log(1 - D(x))]``, by a Riemann sum
    on a grid.

    ``d`` holds the discriminator's outputs at the grid points, ``p_data`` and
    ``p_g`` the densities there, ``dx`` the grid spacing (1 for probabilities).
    Terms with zero weight count as zero even where ``log`` would be infinite.
    ``d`` is clipped to ``[eps, 1 - eps]`` (as the frameworks' losses do): in
    float64 ``p_data / (p_data + p_g)`` rounds to exactly 1 far in a tail where
    ``p_g`` is tiny but not 0, and ``log(1 - 1)`` would turn a negligible term
    into ``-inf``.
    """
    d = _finite("d", d)
    if np.any((d < 0) | (d > 1)):
        raise ValueError(
            "d must hold probabilities in [0, 1], got values in "
            f"[{d.min():g}, {d.max():g}]"
        )
    p_data, p_g = _nonnegative("p_data", p_data), _nonnegative("p_g", p_g)
    _same_shape("d", d, "p_data", p_data)
    _same_shape("d", d, "p_g", p_g)
    dx, eps = _positive_scalar("dx", dx), _positive_scalar("eps", eps)
    d = np.clip(d, eps, 1 - eps)
    return float(np.sum(xlogy(p_data, d) + xlogy(p_g, 1 - d)) * dx)


def kl_divergence(p, q, dx: float = 1.0) -> float:
    """``KL(p || q) = sum p log(p / q) dx`` in nats, with ``0 log 0 = 0``; infinite
    where q = 0 < p."""
    p, q = _nonnegative("p", p), _nonnegative("q", q)
    _same_shape("p", p, "q", q)
    dx = _positive_scalar("dx", dx)
    if np.any((q == 0) & (p > 0)):
        return float("inf")
    return float(np.sum(xlogy(p, p) - xlogy(p, q)) * dx)


def js_divergence(p, q, dx: float = 1.0) -> float:
    """Jensen-Shannon divergence ``JSD(p || q) = KL(p || m) / 2 + KL(q || m) / 2``, ``m
    = (p + q) / 2``.

    In nats, so it lies in ``[0, log 2]``; symmetric; finite even where the
    supports differ (unlike KL).
    """
    p, q = _nonnegative("p", p), _nonnegative("q", q)
    _same_shape("p", p, "q", q)
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m, dx) + 0.5 * kl_divergence(q, m, dx)


def generator_loss_gradient(d, loss: str = "non-saturating"):
    """Derivative of the generator's loss with respect to D's *logit* at a fake sample.

    With ``D = sigmoid(a)``:

    * ``"saturating"``: the loss ``log(1 - D)`` (minimised), derivative ``-D``;
      it vanishes as ``D -> 0``, i.e. exactly when D confidently rejects the fakes.
    * ``"non-saturating"``: the loss ``-log D``, derivative ``-(1 - D)``; close to
      ``-1`` when D rejects the fakes, so the generator still learns.
    """
    d = _finite("d", d)
    if np.any((d < 0) | (d > 1)):
        raise ValueError(
            "d must hold probabilities in [0, 1], got values in "
            f"[{d.min():g}, {d.max():g}]"
        )
    if loss == "saturating":
        return -d
    if loss == "non-saturating":
        return -(1 - d)
    raise ValueError(f"loss must be 'saturating' or 'non-saturating', got {loss!r}")


def _param(params: Mapping, key: str) -> float:
    try:
        value = float(params[key])
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value):
        raise ValueError(
            f"params[{key!r}] must be a finite number, got {params[key]!r}"
        )
    return value


def linear_gan_gradients(params: dict, x_real, z) -> dict:
    """Hand-derived gradients of the 1-D GAN with ``G(z) = a z + b`` and ``D(x) =
    sigmoid(w x + c)``.

    ``params`` holds the floats ``a, b, w, c``.  Returns the gradients of the
    discriminator's loss ``L_D = -mean log D(x_real) - mean log(1 - D(G(z)))``
    with respect to ``w, c`` and of the non-saturating generator loss
    ``L_G = -mean log D(G(z))`` with respect to ``a, b``, all at ``params``.
    """
    if not isinstance(params, Mapping):
        raise ValueError(
            "params must be a dict with the floats a, b, w and c, got "
            f"{type(params).__name__}"
        )
    missing = {"a", "b", "w", "c"} - set(params)
    if missing:
        raise ValueError(f"params must hold a, b, w and c, missing {sorted(missing)}")
    a, b, w, c = (_param(params, k) for k in "abwc")
    x_real, z = _finite("x_real", x_real).ravel(), _finite("z", z).ravel()
    if x_real.size == 0 or z.size == 0:
        raise ValueError(
            f"x_real and z must not be empty, got sizes {x_real.size} and {z.size}"
        )
    x_fake = a * z + b
    d_real, d_fake = expit(w * x_real + c), expit(w * x_fake + c)
    return {
        # d/dlogit of -log D is -(1 - D); of -log(1 - D) it is D; then the chain rule.
        "w": float(np.mean(-(1 - d_real) * x_real) + np.mean(d_fake * x_fake)),
        "c": float(np.mean(-(1 - d_real)) + np.mean(d_fake)),
        "a": float(np.mean(-(1 - d_fake) * w * z)),
        "b": float(np.mean(-(1 - d_fake) * w)),
    }


# --------------------------------------------------------------------------
# VAE: KL and ELBO
# --------------------------------------------------------------------------


def gaussian_kl(mu, log_var, axis: int = -1):
    """``KL(N(mu, diag(exp(log_var))) || N(0, I)) = -1/2 sum(1 + log_var - mu^2 -
    exp(log_var))``.

    The VAE's KL term: summed over ``axis`` (the latent dimensions), one value per
    remaining entry.  ``log_var`` is the log of the *variance* (``log sigma^2``).
    """
    mu, log_var = _finite("mu", mu), _finite("log_var", log_var)
    _same_shape("mu", mu, "log_var", log_var)
    # the same sum with the sign moved inside, so that KL(N(0, 1) || N(0, 1)) is +0.0,
    # not -0.0
    return 0.5 * np.sum(np.exp(log_var) + mu**2 - 1 - log_var, axis=axis)


def normal_kl(mean_q, var_q, mean_p, var_p):
    """``KL(N(mean_q, var_q) || N(mean_p, var_p))`` for 1-D Gaussians, element-wise, in
    nats."""
    mean_q, mean_p = _finite("mean_q", mean_q), _finite("mean_p", mean_p)
    var_q, var_p = _positive("var_q", var_q), _positive("var_p", var_p)
    return 0.5 * (np.log(var_p / var_q) + (var_q + (mean_q - mean_p) ** 2) / var_p - 1)


def _check_linear_model(w, b, s) -> tuple[float, float, float]:
    for name, value in (("w", w), ("b", b)):
        if not _real(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(w), float(b), _positive_scalar("s", s)


def linear_gaussian_log_evidence(x, w: float, b: float, s: float):
    """``log p(x)`` for ``z ~ N(0, 1)``, ``x | z ~ N(w z + b, s^2)``: then ``x ~ N(b,
    w^2 + s^2)``."""
    w, b, s = _check_linear_model(w, b, s)
    x = _finite("x", x)
    var = w**2 + s**2
    return -0.5 * (np.log(2 * np.pi * var) + (x - b) ** 2 / var)


def linear_gaussian_posterior(x, w: float, b: float, s: float):
    """The exact posterior ``p(z | x) = N(mean, var)`` of the linear-Gaussian model;
    returns ``(mean, var)``.

    ``var = s^2 / (s^2 + w^2)`` and ``mean = w (x - b) / (s^2 + w^2)``.
    """
    w, b, s = _check_linear_model(w, b, s)
    x = _finite("x", x)
    var = s**2 / (s**2 + w**2)
    return w * (x - b) / (s**2 + w**2), np.full_like(x, var)


def linear_gaussian_elbo(x, q_mean, q_var, w: float, b: float, s: float):
    """ELBO ``E_q[log p(x | z)] - KL(q || p(z))`` of the linear-Gaussian model, for ``q
    = N(q_mean, q_var)``.

    Both terms in closed form: ``E_q[(x - w z - b)^2] = (x - w q_mean - b)^2 + w^2
    q_var``. It is at most ``log p(x)``, with equality when ``q`` is the exact
    posterior.
    """
    w, b, s = _check_linear_model(w, b, s)
    x, q_mean, q_var = (
        _finite("x", x),
        _finite("q_mean", q_mean),
        _positive("q_var", q_var),
    )
    expected_sq = (x - w * q_mean - b) ** 2 + w**2 * q_var
    reconstruction = -0.5 * (np.log(2 * np.pi * s**2) + expected_sq / s**2)
    return reconstruction - normal_kl(q_mean, q_var, 0.0, 1.0)


# --------------------------------------------------------------------------
# Cross-entropy
# --------------------------------------------------------------------------


def binary_cross_entropy(y, p, reduction: str = "mean"):
    """Binary cross-entropy ``-[y log p + (1 - y) log(1 - p)]``, in nats.

    ``y`` are targets in [0, 1], ``p`` predicted probabilities in [0, 1];
    ``reduction`` is ``"mean"``, ``"sum"`` or ``"none"``.  No clipping: ``p = 0``
    with ``y > 0`` gives ``inf``, which is the true value (frameworks clip it).
    """
    y, p = _finite("y", y), _finite("p", p)
    if np.any((y < 0) | (y > 1)):
        raise ValueError(
            f"y must hold targets in [0, 1], got values in [{y.min():g}, {y.max():g}]"
        )
    if np.any((p < 0) | (p > 1)):
        raise ValueError(
            "p must hold probabilities in [0, 1], got values in "
            f"[{p.min():g}, {p.max():g}]"
        )
    y, p = np.broadcast_arrays(y, p)
    with np.errstate(divide="ignore"):
        losses = -(xlogy(y, p) + xlogy(1 - y, 1 - p))
    if reduction == "none":
        return losses
    if reduction == "sum":
        return float(np.sum(losses))
    if reduction == "mean":
        return float(np.mean(losses))
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
