"""Checkers for the exercises of chapter 3, "Variational autoencoders".

Each checker calls the reader's NumPy function on a few chosen inputs, compares
it with the formula, and recognises the usual mistakes so that it can say what
is wrong::

    from aigc_course.exercises import vae as ex
    ex.check_reparameterize(my_reparameterize)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course import theory
from aigc_course.exercises import _checking as checking
from aigc_course.exercises._feedback import Feedback, feedback

__all__ = ["check_kl_loss", "check_reconstruction_loss", "check_reparameterize"]


# The reader's function is run and its answer compared by the shared helpers; these are this
# module's settings of them.
_call = functools.partial(checking.call, nan_hint=": check logs and exponentials")
_close = functools.partial(checking.close, rtol=1e-5, atol=1e-6)
_first_match = functools.partial(checking.first_match, same=_close)


# --------------------------------------------------------------------------
# The reparameterisation trick
# --------------------------------------------------------------------------

_MEAN = np.array([[0.0, 1.0, -2.0], [0.5, -0.3, 1.2], [2.0, 0.0, -1.0], [-1.5, 0.8, 0.1]])
_LOG_VAR = np.log(np.array([[4.0, 0.25, 1.0], [9.0, 0.5, 2.0], [0.1, 3.0, 0.7], [1.5, 6.0, 0.2]]))
_EPS = np.array([[0.3, -1.1, 0.8], [1.4, 0.2, -0.6], [-0.9, 0.5, 1.7], [0.6, -1.8, -0.4]])


def reparameterize(z_mean, z_log_var, eps):
    """The reference: ``z = mean + exp(log_var / 2) * eps``."""
    return z_mean + np.exp(0.5 * z_log_var) * eps


def check_reparameterize(fn, show: bool = True) -> Feedback:
    """Check ``fn(z_mean, z_log_var, eps) -> z``, arrays of shape ``(batch, latent_dim)``."""
    name = "Reparameterisation"
    out, problem = _call(fn, _MEAN, _LOG_VAR, _EPS)
    if problem:
        return feedback(name, [problem], show=show)
    right = reparameterize(_MEAN, _LOG_VAR, _EPS)
    if _close(out, right):
        again, _ = _call(fn, _MEAN, _LOG_VAR, -_EPS)
        if again is not None and _close(again, reparameterize(_MEAN, _LOG_VAR, -_EPS)):
            return feedback(name, [], show=show)
    if out.shape != right.shape:
        return feedback(name, [f"returned shape {out.shape}, expected {right.shape} (one z per row and dimension)"], show=show)
    var, sd = np.exp(_LOG_VAR), np.exp(0.5 * _LOG_VAR)
    candidates = {
        "you multiplied eps by the variance exp(log_var); the standard deviation is exp(log_var / 2)": _MEAN + var * _EPS,
        "you multiplied eps by log_var itself; sigma = exp(log_var / 2)": _MEAN + _LOG_VAR * _EPS,
        "you multiplied eps by exp(2 * log_var); log_var is log(sigma^2), so sigma = exp(log_var / 2)": _MEAN + np.exp(2 * _LOG_VAR) * _EPS,
        "you returned the mean alone: z must include the noise, z = mean + sigma * eps": _MEAN,
        "you multiplied the mean by eps; the noise is scaled by sigma and added to the mean": _MEAN * sd * _EPS,
        "you forgot the mean: z = mean + sigma * eps": sd * _EPS,
        "you subtracted the noise; z = mean + sigma * eps (the sign of eps matters when eps is given)": _MEAN - sd * _EPS,
        "you added sigma and eps instead of multiplying them: z = mean + sigma * eps": _MEAN + sd + _EPS,
    }
    message = _first_match(out, candidates)
    if message:
        return feedback(name, [message], show=show)
    if _close(out, right):  # right on the first call, wrong when eps changes
        return feedback(name, ["your result does not follow the eps you are given: use it, do not draw your own noise"], show=show)
    again, _ = _call(fn, _MEAN, _LOG_VAR, _EPS)
    if again is not None and not _close(again, out):
        return feedback(
            name,
            ["two calls with the same eps gave different z: use the eps argument instead of drawing new noise"],
            show=show,
        )
    return feedback(
        name,
        [f"values differ from the expected ones (first row {np.round(out[0], 4).tolist()}, expected {np.round(right[0], 4).tolist()})"],
        hints=["z = z_mean + np.exp(0.5 * z_log_var) * eps"],
        show=show,
    )


# --------------------------------------------------------------------------
# The KL term, averaged over the batch
# --------------------------------------------------------------------------


def kl_loss(z_mean, z_log_var):
    """The reference: ``KL(N(mean, exp(log_var)) || N(0, I))`` summed over dimensions, batch mean."""
    return float(np.mean(theory.gaussian_kl(z_mean, z_log_var, axis=1)))


def check_kl_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(z_mean, z_log_var) -> float``: the Gaussian KL to N(0, I), summed over dimensions, batch mean."""
    name = "KL loss"
    out, problem = _call(fn, _MEAN, _LOG_VAR)
    if problem:
        return feedback(name, [problem], show=show)
    right = kl_loss(_MEAN, _LOG_VAR)
    per_row = -0.5 * np.sum(1 + _LOG_VAR - _MEAN**2 - np.exp(_LOG_VAR), axis=1)
    if out.shape != ():
        if _close(out, per_row):
            return feedback(name, ["returned one KL per image: average them over the batch (one number)"], show=show)
        if out.shape == _MEAN.shape:
            return feedback(name, ["returned one value per image and dimension: sum over dimensions, then average over the batch"], show=show)
        return feedback(name, [f"returned shape {out.shape}, expected a single number"], show=show)
    if _close(out, right):
        zero, _ = _call(fn, np.zeros((2, 3)), np.zeros((2, 3)))
        if zero is not None and _close(zero, 0.0):
            return feedback(name, [], show=show)
        return feedback(name, ["the KL of q = N(0, I) to the prior N(0, I) must be 0"], show=show)
    var, mu2 = np.exp(_LOG_VAR), _MEAN**2
    n, d = _MEAN.shape
    candidates = {
        "the sign is flipped: KL = -1/2 * sum(1 + log_var - mean^2 - var), which is never negative": -right,
        "you are missing the factor 1/2 in front of the sum": 2 * right,
        "you summed over the batch as well; the package averages over the batch (sum over dimensions only)": n * right,
        "you averaged over the latent dimensions: the KL of independent dimensions adds up (sum them)": right / d,
        "you used exp(2 * log_var) for sigma^2: log_var is already log(sigma^2), so sigma^2 = exp(log_var)": np.mean(
            -0.5 * np.sum(1 + _LOG_VAR - mu2 - var**2, axis=1)
        ),
        "the mean^2 term has the wrong sign: it is -mean^2 inside the sum (moving away from 0 costs)": np.mean(
            -0.5 * np.sum(1 + _LOG_VAR + mu2 - var, axis=1)
        ),
        "you forgot the constant 1 inside the sum": np.mean(-0.5 * np.sum(_LOG_VAR - mu2 - var, axis=1)),
        "you used log_var where sigma^2 = exp(log_var) belongs": np.mean(-0.5 * np.sum(1 + _LOG_VAR - mu2 - _LOG_VAR, axis=1)),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [f"your KL is {float(out):.4f}, expected {right:.4f}"]
    hints = [] if message else ["np.mean(-0.5 * np.sum(1 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=1))"]
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# The reconstruction term: Bernoulli negative log-likelihood from logits
# --------------------------------------------------------------------------

_rng = np.random.default_rng(7)
_LOGITS = _rng.normal(0.0, 2.0, (5, 4, 4))
_IMAGES = np.clip(_rng.uniform(-0.3, 1.3, (5, 4, 4)), 0.0, 1.0)  # some exact 0s and 1s, some greys


def reconstruction_loss(logits, images):
    """The reference: binary cross-entropy of the pixels, summed over pixels, batch mean."""
    p = theory.sigmoid(logits)
    per_pixel = -(images * np.log(p) + (1 - images) * np.log(1 - p))
    return float(per_pixel.reshape(len(images), -1).sum(axis=1).mean())


def check_reconstruction_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, images) -> float``: -log p(x|z) for Bernoulli pixels, summed over pixels, batch mean."""
    name = "Reconstruction loss"
    out, problem = _call(fn, _LOGITS, _IMAGES)
    if problem and "NaN" in problem:
        hints = [
            "the logits are any real numbers: apply the sigmoid first, p = 1 / (1 + exp(-logits)), before any log",
            "the image is the target and may hold exact 0s and 1s: the log goes on p, never on x",
        ]
        return feedback(name, [problem], hints, show=show)
    if problem:
        return feedback(name, [problem], show=show)
    right = reconstruction_loss(_LOGITS, _IMAGES)
    n, pixels = len(_IMAGES), _IMAGES[0].size
    x, p = _IMAGES, theory.sigmoid(_LOGITS)
    per_pixel = -(x * np.log(p) + (1 - x) * np.log(1 - p))
    if out.shape != ():
        if _close(out, per_pixel.reshape(n, -1).sum(axis=1)):
            return feedback(name, ["returned one loss per image: average them over the batch (one number)"], show=show)
        if out.shape in (_IMAGES.shape, (n, pixels)):
            return feedback(name, ["returned one value per pixel: sum over the pixels of an image, then average over the batch"], show=show)
        return feedback(name, [f"returned shape {out.shape}, expected a single number"], show=show)
    if _close(out, right):
        return feedback(name, [], show=show)

    def batch_mean(values):
        return float(values.reshape(n, -1).sum(axis=1).mean())

    candidates = {
        "you averaged over the pixels; -log p(x|z) of an image is the sum over its pixels": right / pixels,
        "you summed over the batch as well; average over the batch": right * n,
        "the sign is flipped: the loss is the NEGATIVE log-likelihood, -[x log p + (1 - x) log(1 - p)]": -right,
        "the (1 - x) log(1 - p) term is missing: dark pixels must be rewarded for p near 0": batch_mean(-x * np.log(p)),
        "you computed the entropy -sum p log p of the decoder's output; the loss must compare it with the image x: "
        "-[x log p + (1 - x) log(1 - p)]": batch_mean(-(p * np.log(p) + (1 - p) * np.log(1 - p))),
        "that is the squared error of the probabilities (a Gaussian likelihood); this exercise asks for the Bernoulli "
        "cross-entropy": batch_mean((p - x) ** 2),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [f"your loss is {float(out):.4f}, expected {right:.4f}"]
    hints = [] if message else ["p = sigmoid(logits); -(x log p + (1 - x) log(1 - p)), summed over pixels, mean over the batch"]
    return feedback(name, problems, hints, show=show)
