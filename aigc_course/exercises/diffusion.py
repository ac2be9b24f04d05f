"""Checkers for the exercises of chapter 7, "Diffusion models and flow matching".

Each checker calls the reader's NumPy function on chosen inputs and on inputs drawn at
random, compares it with :mod:`aigc_course.maths.diffusion` (the code the package
samples with), and recognises the usual mistakes so that it can say what is wrong::

    from aigc_course.exercises import diffusion as ex
    ex.check_q_sample(my_q_sample)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback
from aigc_course.maths import diffusion

__all__ = [
    "check_cfg_mix",
    "check_ddim_step",
    "check_flow_matching_loss",
    "check_q_sample",
]

# The package computes in float32 (the networks' precision): a float64 answer differs
# by about 1e-7.
_close = functools.partial(checking.close, rtol=1e-4, atol=1e-5)
_numbers = functools.partial(
    checking.numbers, nan_hint=": check the square roots (1 - alpha_bar >= 0)"
)

# A short cosine schedule: every alpha_bar differs clearly from its neighbours and from
# 1 - itself, so an off-by-one index or a swapped pair of coefficients gives another
# answer.
_ALPHA_BARS = diffusion.alpha_bar(diffusion.cosine_betas(20))


def _batch(rng, n: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(-1, 1, (n, dim)), rng.standard_normal((n, dim))


# --------------------------------------------------------------------------
# q(x_t | x_0): noise in one jump
# --------------------------------------------------------------------------


def q_sample(x0, t, noise, alpha_bars):
    """The reference: ``sqrt(ab[t]) x0 + sqrt(1 - ab[t]) noise``, one ``t`` per row."""
    return diffusion.q_sample(x0, t, noise, alpha_bars)


def _q_cases() -> list[Case]:
    rng = checking.fresh_rng()
    x0, noise = _batch(np.random.default_rng(7), 4, 3)
    random_x0, random_noise = _batch(rng, 6, 5)
    return [
        Case(
            (x0, np.array([0, 5, 12, 19]), noise, _ALPHA_BARS), "on the book's example"
        ),
        Case(
            (random_x0, rng.integers(0, 20, 6), random_noise, _ALPHA_BARS),
            "on random inputs, 6 rows",
        ),
        Case(
            (
                rng.uniform(-1, 1, (3, 4, 4)),
                rng.integers(1, 20, 3),
                rng.standard_normal((3, 4, 4)),
                _ALPHA_BARS,
            ),
            "on random 4x4 images",
        ),
    ]


def _per_row(values, t, x):
    values = np.asarray(values)[np.asarray(t)]
    return values.reshape(values.shape + (1,) * (x.ndim - 1))


def _q_with(coefficients):
    """A wrong ``q_sample``, its two coefficients from ``coefficients(alpha_bar_t)``."""

    def wrong(x0, t, noise, alpha_bars):
        a, b = coefficients(_per_row(alpha_bars, t, x0))
        return a * x0 + b * noise

    return wrong


_Q_MISTAKES = {
    "you used alpha_bar and 1 - alpha_bar as the coefficients: they are the variances, "
    "take their square roots (x_t = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) "
    "noise)": _q_with(lambda a: (a, 1 - a)),
    "the two coefficients are swapped: the signal keeps sqrt(alpha_bar), the noise "
    "gets sqrt(1 - alpha_bar)": _q_with(lambda a: (np.sqrt(1 - a), np.sqrt(a))),
    "only the signal's coefficient has its square root: the noise's is sqrt(1 - "
    "alpha_bar)": _q_with(lambda a: (np.sqrt(a), 1 - a)),
    "only the noise's coefficient has its square root: the signal's is "
    "sqrt(alpha_bar)": _q_with(lambda a: (a, np.sqrt(1 - a))),
    "you used sqrt(1 - alpha_bar) but dropped the signal's coefficient: x0 is scaled "
    "by sqrt(alpha_bar)": _q_with(lambda a: (np.ones_like(a), np.sqrt(1 - a))),
    "you read alpha_bars[t - 1]: with the package's indexing, step t uses "
    "alpha_bars[t]": lambda x0, t, noise, ab: (
        None
        if np.any(np.asarray(t) == 0)
        else diffusion.q_sample(x0, np.asarray(t) - 1, noise, ab)
    ),
    "you read alpha_bars[t + 1]: with the package's indexing, step t uses "
    "alpha_bars[t]": lambda x0, t, noise, ab: (
        None
        if np.any(np.asarray(t) >= len(ab) - 1)
        else diffusion.q_sample(x0, np.asarray(t) + 1, noise, ab)
    ),
}


def _q_shape(out, right, case) -> str:
    x0 = case.args[0]
    if np.ndim(out) == x0.ndim + 1:
        return (
            f"returned shape {np.shape(out)}: alpha_bars[t] has one value per row; "
            f"reshape it to "
            f"{(len(x0),) + (1,) * (x0.ndim - 1)} so it scales each row of x0"
        )
    return (
        f"returned shape {np.shape(out)}, expected {np.shape(right)} (the shape of x0)"
    )


@checking.checker
def check_q_sample(fn, show: bool = True) -> Feedback:
    """Check ``fn(x0, t, noise, alpha_bars) -> x_t``.

    ``x_t = sqrt(ab[t]) x0 + sqrt(1 - ab[t]) noise``, with one ``t`` per row.
    """
    return checking.judge(
        "q_sample",
        fn,
        _q_cases(),
        q_sample,
        same=_close,
        convert=_numbers,
        shape=_q_shape,
        mistakes=_Q_MISTAKES,
        hints=[
            "x_t = sqrt(alpha_bars[t]) * x0 + sqrt(1 - alpha_bars[t]) * noise, with "
            "alpha_bars[t] as a column"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# One deterministic DDIM step
# --------------------------------------------------------------------------


def ddim_step(x_t, t, t_prev, eps, alpha_bars):
    """The reference: DDIM (``eta = 0``) to ``t_prev`` (-1: the clean image)."""
    return diffusion.ddim_step(x_t, t, t_prev, eps, alpha_bars)


def _ddim_cases() -> list[Case]:
    rng = checking.fresh_rng()
    fixed = np.random.default_rng(3)
    t = int(rng.integers(8, 20))
    return [
        Case(
            (
                fixed.standard_normal((4, 3)),
                15,
                10,
                fixed.standard_normal((4, 3)),
                _ALPHA_BARS,
            ),
            "from t=15 to t_prev=10",
        ),
        Case(
            (
                rng.standard_normal((5, 6)),
                t,
                int(rng.integers(0, t - 2)),
                rng.standard_normal((5, 6)),
                _ALPHA_BARS,
            ),
            "on a random jump",
        ),
        Case(
            (
                rng.standard_normal((3, 4)),
                int(rng.integers(1, 6)),
                -1,
                rng.standard_normal((3, 4)),
                _ALPHA_BARS,
            ),
            "on the last step (t_prev=-1, the clean image)",
        ),
    ]


def _bars(alpha_bars, t, t_prev):
    return float(alpha_bars[t]), (1.0 if t_prev < 0 else float(alpha_bars[t_prev]))


def _ddim_with(step):
    """A wrong DDIM step ``step(x_t, eps, a_t, a_prev)``, with the right alpha_bars."""

    def wrong(x_t, t, t_prev, eps, alpha_bars):
        return step(x_t, eps, *_bars(alpha_bars, t, t_prev))

    return wrong


def _x0(x_t, eps, a_t):
    return (x_t - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)


_DDIM_MISTAKES = {
    "you returned the predicted x0: DDIM moves to t_prev, sqrt(ab_prev) x0 + sqrt(1 - "
    "ab_prev) eps": _ddim_with(lambda x, e, a, p: _x0(x, e, a)),
    "the eps term is missing: x_prev = sqrt(ab_prev) x0 + sqrt(1 - ab_prev) eps (the "
    "noise left at t_prev)": _ddim_with(lambda x, e, a, p: math.sqrt(p) * _x0(x, e, a)),
    "the predicted x0 must be divided by sqrt(alpha_bar_t): x0 = (x_t - sqrt(1 - "
    "ab_t) eps) / sqrt(ab_t)": _ddim_with(
        lambda x, e, a, p: (
            math.sqrt(p) * (x - math.sqrt(1 - a) * e) + math.sqrt(1 - p) * e
        )
    ),
    "use square roots of alpha_bar_prev and 1 - alpha_bar_prev, not the values "
    "themselves": _ddim_with(lambda x, e, a, p: p * _x0(x, e, a) + (1 - p) * e),
    "x0 and eps have swapped coefficients: x0 gets sqrt(ab_prev), eps gets sqrt(1 - "
    "ab_prev)": _ddim_with(
        lambda x, e, a, p: math.sqrt(1 - p) * _x0(x, e, a) + math.sqrt(p) * e
    ),
    "at t_prev = -1 (the clean image) alpha_bar_prev is 1: alpha_bars[-1] is the last "
    "timestep's, the noisiest": lambda x, t, t_prev, e, ab: (
        None
        if t_prev >= 0
        else math.sqrt(ab[-1]) * _x0(x, e, float(ab[t])) + math.sqrt(1 - ab[-1]) * e
    ),
}


@checking.checker
def check_ddim_step(fn, show: bool = True) -> Feedback:
    """Check ``fn(x_t, t, t_prev, eps, alpha_bars) -> x_prev``: DDIM with ``eta = 0``.

    At ``t_prev = -1`` (the clean image) alpha_bar_prev is 1.
    """
    return checking.judge(
        "DDIM step",
        fn,
        _ddim_cases(),
        ddim_step,
        same=_close,
        convert=_numbers,
        mistakes=_DDIM_MISTAKES,
        hints=[
            "x0 = (x_t - sqrt(1 - ab_t) eps) / sqrt(ab_t); x_prev = sqrt(ab_prev) x0 "
            "+ sqrt(1 - ab_prev) eps"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# The flow-matching loss
# --------------------------------------------------------------------------


def flow_matching_loss(predicted, noise, data):
    """The reference: the mean squared error of ``predicted`` and ``data - noise``."""
    return float(
        np.mean((np.asarray(predicted) - diffusion.flow_velocity(noise, data)) ** 2)
    )


def _flow_cases() -> list[Case]:
    rng = checking.fresh_rng()
    fixed = np.random.default_rng(11)
    return [
        Case(
            (
                fixed.standard_normal((4, 3)),
                fixed.standard_normal((4, 3)),
                fixed.uniform(-1, 1, (4, 3)),
            ),
            "on the book's example",
        ),
        Case(
            (
                rng.standard_normal((6, 5)),
                rng.standard_normal((6, 5)),
                rng.uniform(-1, 1, (6, 5)),
            ),
            "on random inputs of shape (6, 5)",
        ),
        Case(
            (
                rng.standard_normal((3, 8)),
                rng.standard_normal((3, 8)),
                rng.uniform(-1, 1, (3, 8)),
            ),
            "on random inputs of shape (3, 8)",
        ),
    ]


def _flow_with(target):
    return lambda p, n, d: float(np.mean((p - target(n, d)) ** 2))


_FLOW_MISTAKES = {
    "the velocity points the wrong way: the path runs from noise (t=0) to data (t=1), "
    "so the target is "
    "data - noise": _flow_with(lambda n, d: n - d),
    "you regressed on the data itself (an x0 target): flow matching's target is the "
    "velocity data - noise": _flow_with(lambda n, d: d),
    "you regressed on the noise (DDPM's epsilon target): flow matching's target is "
    "the velocity data - noise": _flow_with(lambda n, d: n),
    "you summed the squared errors: take the mean over every entry": lambda p, n, d: (
        float(np.sum((p - (d - n)) ** 2))
    ),
    "the errors are not squared: take the mean of "
    "(predicted - target) ** 2": lambda p, n, d: float(np.mean(p - (d - n))),
    "you took the mean of absolute errors (L1): the loss is the mean squared "
    "error": lambda p, n, d: float(np.mean(np.abs(p - (d - n)))),
}


def _flow_shape(out, right, case) -> str:
    if np.shape(out) == np.shape(case.args[0]):
        return "returned one error per entry: take the mean, a single number"
    if np.shape(out) == (len(case.args[0]),):
        return (
            "returned one loss per sample: take the mean over the batch too, "
            "a single number"
        )
    return f"returned shape {np.shape(out)}, expected a single number (the mean)"


@checking.checker
def check_flow_matching_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(predicted, noise, data) -> mean((predicted - (data - noise))**2)``."""
    return checking.judge(
        "Flow-matching loss",
        fn,
        _flow_cases(),
        flow_matching_loss,
        same=_close,
        convert=_numbers,
        shape=_flow_shape,
        mistakes=_FLOW_MISTAKES,
        hints=["loss = mean((predicted - (data - noise)) ** 2)"],
        show=show,
    )


# --------------------------------------------------------------------------
# Classifier-free guidance
# --------------------------------------------------------------------------


def cfg_mix(uncond, cond, scale):
    """The reference: ``uncond + scale (cond - uncond)``; scale 1 gives ``cond``."""
    return diffusion.classifier_free_guidance(uncond, cond, scale)


def _cfg_cases() -> list[Case]:
    rng = checking.fresh_rng()
    fixed = np.random.default_rng(5)
    return [
        Case(
            (fixed.standard_normal((2, 4)), fixed.standard_normal((2, 4)), 3.0),
            "at scale 3",
        ),
        Case(
            (
                rng.standard_normal((5, 3)),
                rng.standard_normal((5, 3)),
                float(rng.uniform(1.5, 6)),
            ),
            "at a random scale above 1",
        ),
        Case(
            (rng.standard_normal((3, 6)), rng.standard_normal((3, 6)), 0.5),
            "at scale 0.5",
        ),
        Case(
            (rng.standard_normal((4, 2)), rng.standard_normal((4, 2)), 1.0),
            "at scale 1",
        ),
    ]


_CFG_MISTAKES = {
    "cond and uncond are swapped: start from the unconditional prediction and move "
    "towards the conditional one, "
    "uncond + scale (cond - uncond)": lambda u, c, s: c + s * (u - c),
    "you started from the conditional prediction: with cond + scale (cond - uncond), "
    "scale 1 is not the "
    "conditional model; start from uncond": lambda u, c, s: c + s * (c - u),
    "you used Ho & Salimans' w = scale - 1: in the book's convention scale 1 gives "
    "the conditional "
    "prediction, so the mix is uncond + scale (cond - uncond)": lambda u, c, s: (
        u + (s - 1) * (c - u)
    ),
    "you scaled the conditional prediction only: the mix is uncond + scale (cond - "
    "uncond)": lambda u, c, s: s * c,
    "you averaged the two predictions: guidance extrapolates, uncond + scale (cond - "
    "uncond)": lambda u, c, s: (u + c) / 2,
}


@checking.checker
def check_cfg_mix(fn, show: bool = True) -> Feedback:
    """Check ``fn(uncond, cond, scale) -> uncond + scale (cond - uncond)``."""
    return checking.judge(
        "Classifier-free guidance",
        fn,
        _cfg_cases(),
        cfg_mix,
        same=_close,
        convert=_numbers,
        mistakes=_CFG_MISTAKES,
        hints=["guided = uncond + scale * (cond - uncond)"],
        show=show,
    )
