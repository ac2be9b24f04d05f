"""Checkers for the exercises of chapter 3, "Variational autoencoders".

Each checker calls the reader's NumPy function on chosen inputs and on inputs drawn at
random, compares it with the formula, and recognises the usual mistakes so that it can
say what is wrong::

    from aigc_course.exercises import vae as ex
    ex.check_reparameterize(my_reparameterize)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback
from aigc_course.maths import theory

__all__ = ["check_kl_loss", "check_reconstruction_loss", "check_reparameterize"]

_close = functools.partial(checking.close, rtol=1e-5, atol=1e-6)
_numbers = functools.partial(checking.numbers, nan_hint=": check logs and exponentials")


# --------------------------------------------------------------------------
# The reparameterisation trick
# --------------------------------------------------------------------------

_MEAN = np.array(
    [[0.0, 1.0, -2.0], [0.5, -0.3, 1.2], [2.0, 0.0, -1.0], [-1.5, 0.8, 0.1]]
)
_LOG_VAR = np.log(
    np.array([[4.0, 0.25, 1.0], [9.0, 0.5, 2.0], [0.1, 3.0, 0.7], [1.5, 6.0, 0.2]])
)
_EPS = np.array(
    [[0.3, -1.1, 0.8], [1.4, 0.2, -0.6], [-0.9, 0.5, 1.7], [0.6, -1.8, -0.4]]
)


def reparameterize(z_mean, z_log_var, eps):
    """The reference: ``z = mean + exp(log_var / 2) * eps``."""
    return z_mean + np.exp(0.5 * z_log_var) * eps


def _gaussian_cases(shapes) -> list[tuple]:
    rng = checking.fresh_rng()
    return [(rng.normal(0, 1.5, shape), rng.normal(0, 1, shape)) for shape in shapes]


def _reparameterize_cases() -> list[Case]:
    (m1, lv1), (m2, lv2) = _gaussian_cases([(5, 2), (3, 4)])
    rng = checking.fresh_rng()
    return [
        Case((_MEAN, _LOG_VAR, _EPS), "on the chosen inputs"),
        Case(
            (_MEAN, _LOG_VAR, -_EPS), "with the same mean and log_var but another eps"
        ),
        Case(
            (m1, lv1, rng.standard_normal(m1.shape)), "on random inputs of shape (5, 2)"
        ),
        Case(
            (m2, lv2, rng.standard_normal(m2.shape)), "on random inputs of shape (3, 4)"
        ),
    ]


_REPARAMETERIZE_MISTAKES = {
    "you multiplied eps by the variance exp(log_var); the standard deviation is "
    "exp(log_var / 2)": lambda m, lv, e: m + np.exp(lv) * e,
    "you multiplied eps by log_var itself; sigma = exp(log_var / 2)": lambda m, lv, e: (
        m + lv * e
    ),
    "you multiplied eps by exp(2 * log_var); log_var is log(sigma^2), so sigma = "
    "exp(log_var / 2)": lambda m, lv, e: m + np.exp(2 * lv) * e,
    "you returned the mean alone: z must "
    "include the noise, z = mean + sigma * eps": lambda m, lv, e: m,
    "you multiplied the mean by eps; the noise is scaled by sigma and added to the "
    "mean": lambda m, lv, e: m * np.exp(0.5 * lv) * e,
    "you forgot the mean: z = mean + sigma * eps": lambda m, lv, e: (
        np.exp(0.5 * lv) * e
    ),
    "you subtracted the noise; z = mean + sigma * eps (the sign of eps matters when "
    "eps is given)": lambda m, lv, e: m - np.exp(0.5 * lv) * e,
    "you added sigma and eps instead of "
    "multiplying them: z = mean + sigma * eps": lambda m, lv, e: (
        m + np.exp(0.5 * lv) + e
    ),
}


def _reparameterize_diagnose(fn):
    def diagnose(outs, rights, cases):
        if _close(outs[0], rights[0]) and not _close(outs[1], rights[1]):
            return [
                "your result does not follow the eps you are given: use it, do "
                "not draw your own noise"
            ]
        again, _ = checking.run(fn, cases[0].args)
        if again is not None and not _close(again, outs[0]):
            return [
                "two calls with the same eps gave different z: use the eps "
                "argument instead of drawing new noise"
            ]
        return []

    return diagnose


@checking.checker
def check_reparameterize(fn, show: bool = True) -> Feedback:
    """Check ``fn(z_mean, z_log_var, eps) -> z``, arrays of shape ``(batch,
    latent_dim)``."""
    return checking.judge(
        "Reparameterisation",
        fn,
        _reparameterize_cases(),
        reparameterize,
        same=_close,
        convert=_numbers,
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)}, expected "
            f"{right.shape} (one z per row and dimension)"
        ),
        mistakes=_REPARAMETERIZE_MISTAKES,
        diagnose=_reparameterize_diagnose(fn),
        differs_hints=["z = z_mean + np.exp(0.5 * z_log_var) * eps"],
        show=show,
    )


# --------------------------------------------------------------------------
# The KL term, averaged over the batch
# --------------------------------------------------------------------------


def kl_loss(z_mean, z_log_var):
    """The reference: ``KL(N(mean, exp(log_var)) || N(0, I))`` summed over dimensions,
    batch mean."""
    return float(np.mean(theory.gaussian_kl(z_mean, z_log_var, axis=1)))


def _kl_cases() -> list[Case]:
    (m1, lv1), (m2, lv2) = _gaussian_cases([(6, 2), (3, 5)])
    return [
        Case((_MEAN, _LOG_VAR), "on the chosen inputs"),
        Case((m1, lv1), "on random inputs of shape (6, 2)"),
        Case((m2, lv2), "on random inputs of shape (3, 5)"),
    ]


def _kl_shape(out, right, case) -> str:
    mean, log_var = case.args
    if _close(out, theory.gaussian_kl(mean, log_var, axis=1)):
        return "returned one KL per image: average them over the batch (one number)"
    if np.shape(out) == mean.shape:
        return (
            "returned one value per image and dimension: sum over dimensions, then "
            "average over the batch"
        )
    return f"returned shape {np.shape(out)}, expected a single number"


def _batch_kl(terms):
    return lambda m, lv: float(np.mean(-0.5 * np.sum(terms(m, lv), axis=1)))


_KL_MISTAKES = {
    "the sign is flipped: KL = -1/2 * sum(1 + log_var - mean^2 - var), which is never "
    "negative": lambda m, lv: -kl_loss(m, lv),
    "you are missing the factor 1/2 in front of the sum": lambda m, lv: (
        2 * kl_loss(m, lv)
    ),
    "you summed over the batch as well; the package averages over the batch (sum over "
    "dimensions only)": lambda m, lv: len(m) * kl_loss(m, lv),
    "you averaged over the latent dimensions: the KL of independent dimensions adds "
    "up (sum them)": lambda m, lv: kl_loss(m, lv) / m.shape[1],
    "you used exp(2 * log_var) for sigma^2: log_var is already log(sigma^2), so "
    "sigma^2 = exp(log_var)": _batch_kl(lambda m, lv: 1 + lv - m**2 - np.exp(2 * lv)),
    "the mean^2 term has the wrong sign: it is -mean^2 inside the sum (moving away "
    "from 0 costs)": _batch_kl(lambda m, lv: 1 + lv + m**2 - np.exp(lv)),
    "you forgot the constant 1 inside the sum": _batch_kl(
        lambda m, lv: lv - m**2 - np.exp(lv)
    ),
    "you used log_var where sigma^2 = exp(log_var) belongs": _batch_kl(
        lambda m, lv: 1 - m**2
    ),
}


def _kl_zero(fn) -> list[str]:
    zero, problem = checking.run(fn, (np.zeros((2, 3)), np.zeros((2, 3))), _numbers)
    return (
        []
        if zero is not None and _close(zero, 0.0)
        else ["the KL of q = N(0, I) to the prior N(0, I) must be 0"]
    )


@checking.checker
def check_kl_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(z_mean, z_log_var) -> float``: the Gaussian KL to N(0, I), summed over
    dimensions, batch mean."""
    return checking.judge(
        "KL loss",
        fn,
        _kl_cases(),
        kl_loss,
        same=_close,
        convert=_numbers,
        shape=_kl_shape,
        mistakes=_KL_MISTAKES,
        extra=_kl_zero,
        differs_hints=[
            "np.mean(-0.5 * np.sum(1 + z_log_var - "
            "z_mean**2 - np.exp(z_log_var), axis=1))"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# The reconstruction term: Bernoulli negative log-likelihood from logits
# --------------------------------------------------------------------------

_rng = np.random.default_rng(7)
_LOGITS = _rng.normal(0.0, 2.0, (5, 4, 4))
# some exact 0s and 1s, some greys
_IMAGES = np.clip(_rng.uniform(-0.3, 1.3, (5, 4, 4)), 0.0, 1.0)


def reconstruction_loss(logits, images):
    """The reference: binary cross-entropy of the pixels, summed over pixels, batch
    mean."""
    per_pixel = theory.bce_with_logits(logits, images)
    return float(per_pixel.reshape(len(images), -1).sum(axis=1).mean())


def _reconstruction_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case((_LOGITS, _IMAGES), "on the chosen images"),
        Case(
            (
                rng.normal(0, 2, (3, 5, 5)),
                np.clip(rng.uniform(-0.3, 1.3, (3, 5, 5)), 0, 1),
            ),
            "on random images 5x5",
        ),
        Case(
            (
                rng.normal(0, 2, (6, 3, 4)),
                np.clip(rng.uniform(-0.3, 1.3, (6, 3, 4)), 0, 1),
            ),
            "on random images 3x4",
        ),
    ]


def _per_pixel(logits, images):
    p = theory.sigmoid(logits)
    return -(images * np.log(p) + (1 - images) * np.log(1 - p))


def _batch_mean(values, n):
    return float(values.reshape(n, -1).sum(axis=1).mean())


def _reconstruction_shape(out, right, case) -> str:
    logits, images = case.args
    n = len(images)
    if _close(out, _per_pixel(logits, images).reshape(n, -1).sum(axis=1)):
        return "returned one loss per image: average them over the batch (one number)"
    if np.shape(out) in (images.shape, (n, images[0].size)):
        return (
            "returned one value per pixel: sum over the pixels of an image, then "
            "average over the batch"
        )
    return f"returned shape {np.shape(out)}, expected a single number"


_RECONSTRUCTION_MISTAKES = {
    "you averaged over the pixels; -log p(x|z) "
    "of an image is the sum over its pixels": lambda l, x: (
        reconstruction_loss(l, x) / x[0].size
    ),
    "you summed over the batch as well; average over the batch": lambda l, x: (
        reconstruction_loss(l, x) * len(x)
    ),
    "the sign is flipped: the loss is the NEGATIVE log-likelihood, -[x log p + (1 - "
    "x) log(1 - p)]": lambda l, x: -reconstruction_loss(l, x),
    "the (1 - x) log(1 - p) term is missing: dark pixels must be rewarded for p near "
    "0": lambda l, x: _batch_mean(-x * np.log(theory.sigmoid(l)), len(x)),
    "you computed the entropy -sum p log p of the decoder's output; the loss must "
    "compare it with the image x: "
    "-[x log p + (1 - x) log(1 - p)]": lambda l, x: _batch_mean(
        _per_pixel(l, theory.sigmoid(l)), len(x)
    ),
    "that is the squared error of the probabilities (a Gaussian likelihood); this "
    "exercise asks for the Bernoulli "
    "cross-entropy": lambda l, x: _batch_mean((theory.sigmoid(l) - x) ** 2, len(x)),
}


def _reconstruction_diagnose(outs, rights, cases):
    if not all(np.all(np.isfinite(o)) for o in outs):
        return (
            ["your function returned NaN or infinite values: check logs and "
             "exponentials"],
            ["the logits are any real numbers: apply the sigmoid first, p = 1 / (1 + "
             "exp(-logits)), before any log",
             "the image is the target and may hold exact 0s and 1s: the log goes on "
             "p, never on x"],
        )  # fmt: skip
    return []


@checking.checker
def check_reconstruction_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, images) -> float``: -log p(x|z) for Bernoulli pixels, summed
    over pixels, batch mean."""
    return checking.judge(
        "Reconstruction loss",
        fn,
        _reconstruction_cases(),
        reconstruction_loss,
        same=_close,
        convert=functools.partial(checking.numbers, finite=False),
        shape=_reconstruction_shape,
        mistakes=_RECONSTRUCTION_MISTAKES,
        diagnose=_reconstruction_diagnose,
        quiet=True,
        differs_hints=[
            "p = sigmoid(logits); -(x log p + (1 - x) log(1 - p)), summed "
            "over pixels, mean over the batch"
        ],
        show=show,
    )
