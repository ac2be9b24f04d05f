"""Checkers for the image exercises of chapter 6, "Applications": style transfer and
inpainting.

Each checker calls the reader's NumPy function on chosen inputs and on inputs drawn at
random, compares it with the reference, and recognises the usual mistakes so that it can
say what is wrong::

    from aigc_course.exercises import applications_images as ex
    ex.check_gram_matrix(my_gram_matrix)
    ex.check_psnr(my_psnr)
    ex.check_centre_mask(my_centre_mask)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback, expected

__all__ = ["check_centre_mask", "check_gram_matrix", "check_psnr"]


_close = functools.partial(checking.close, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------
# The Gram matrix
# --------------------------------------------------------------------------

_FEATS = np.random.default_rng(11).standard_normal((2, 3, 4, 5))  # (N, C, H, W)


def gram_matrix(features):
    """The reference: ``G = F F^T / (H W)`` per image, ``(N, C, H, W)`` -> ``(N, C,
    C)``."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return f @ f.transpose(0, 2, 1) / (h * w)


def _gram_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case((_FEATS,), "for features of shape (2, 3, 4, 5)"),
        Case(
            (rng.standard_normal((3, 4, 2, 6)),),
            "for random features of shape (3, 4, 2, 6)",
        ),
        Case(
            (rng.standard_normal((2, 5, 3, 3)) + 0.5,),
            "for random features of shape (2, 5, 3, 3)",
        ),
    ]


def _gram_shape(out, right, case) -> str:
    n, c, h, w = case.args[0].shape
    if np.shape(out) == (n, h * w, h * w):
        return (
            "returned (N, H*W, H*W): you multiplied F^T F; the Gram matrix "
            "compares channels, G = F F^T of shape (N, C, C)"
        )
    if np.shape(out) == (c, c) and _close(out, right.mean(0)):
        return (
            "returned one (C, C) matrix for the whole batch: keep one Gram matrix "
            "per image, (N, C, C)"
        )
    return (
        f"returned shape {np.shape(out)}, expected {right.shape} (one C x C matrix "
        "per image)"
    )


def _centred_gram(f):
    return gram_matrix(f - f.mean(axis=(2, 3), keepdims=True))


_GRAM_MISTAKES = {
    "you did not divide by H * W: without it "
    "the loss grows with the image size": lambda f: (
        gram_matrix(f) * f.shape[2] * f.shape[3]
    ),
    "you divided by C * H * W; the package "
    "divides by H * W (the mean over positions)": lambda f: gram_matrix(f) / f.shape[1],
    "you divided by N * H * W: the batch size has nothing to do with one image's "
    "statistics": lambda f: gram_matrix(f) / f.shape[0],
    "you divided by H * W twice": lambda f: gram_matrix(f) / (f.shape[2] * f.shape[3]),
    "you took the covariance (subtracted each channel's mean); the Gram matrix uses "
    "the raw products": _centred_gram,
}


@checking.checker
def check_gram_matrix(fn, show: bool = True) -> Feedback:
    """Check ``fn(features) -> gram``: feature maps ``(N, C, H, W)`` to ``(N, C, C)``,
    divided by H*W."""
    return checking.judge(
        "Gram matrix",
        fn,
        _gram_cases(),
        gram_matrix,
        same=_close,
        convert=functools.partial(checking.numbers, finite=False),
        shape=_gram_shape,
        mistakes=_GRAM_MISTAKES,
        differs_hints=[
            "f = features.reshape(n, c, h * w); return f @ f.transpose(0, "
            "2, 1) / (h * w)"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# PSNR
# --------------------------------------------------------------------------

_TARGET = np.random.default_rng(12).uniform(size=(3, 6, 6))
_PRED = np.clip(_TARGET + np.random.default_rng(13).normal(0, 0.1, _TARGET.shape), 0, 1)


def psnr(prediction, target):
    """The reference for images in [0, 1]: ``10 log10(1 / MSE)`` in dB, ``inf`` for
    identical images."""
    mse = np.mean((np.asarray(prediction, float) - np.asarray(target, float)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(1.0 / mse)


def _noisy(rng, shape, noise):
    target = rng.uniform(size=shape)
    return np.clip(target + rng.normal(0, noise, shape), 0, 1), target


def _psnr_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case((_PRED, _TARGET), "on the chosen images"),
        Case(_noisy(rng, (2, 5, 5), float(rng.uniform(0.03, 0.2))), "on random images"),
        Case(
            _noisy(rng, (4, 3, 7), float(rng.uniform(0.03, 0.2))),
            "on other random images",
        ),
    ]


def _mse(p, t):
    return float(np.mean((p - t) ** 2))


_PSNR_MISTAKES = {
    "the sign is flipped: PSNR = 10 "
    "log10(MAX^2 / MSE), larger is better": lambda p, t: -psnr(p, t),
    "you forgot the factor 10: decibels are 10 log10 of a power ratio": lambda p, t: (
        math.log10(1 / _mse(p, t))
    ),
    "you used 20 log10 with the MSE; 20 log10 goes with the RMSE (20 log10(MAX / "
    "RMSE) = 10 log10(MAX^2 / MSE))": lambda p, t: 20 * math.log10(1 / _mse(p, t)),
    "you used the RMSE inside 10 log10; use "
    "the MSE (or 20 log10 with the RMSE)": lambda p, t: (
        10 * math.log10(1 / math.sqrt(_mse(p, t)))
    ),
    "you used the natural log; decibels use log10": lambda p, t: (
        10 * math.log(1 / _mse(p, t))
    ),
    "you summed the squared errors; the PSNR uses their mean": lambda p, t: (
        10 * math.log10(1 / np.sum((p - t) ** 2))
    ),
    "you used the mean absolute error; the "
    "PSNR uses the mean squared error": lambda p, t: (
        10 * math.log10(1 / np.mean(np.abs(p - t)))
    ),
    "you took MAX = 255; these images are in [0, 1], so MAX = 1": lambda p, t: (
        10 * math.log10(255**2 / _mse(p, t))
    ),
}


def _psnr_identical(fn) -> list[str]:
    target = checking.fresh_rng().uniform(size=(2, 4, 4))
    same, problem = checking.run(
        fn,
        (target, target),
        functools.partial(checking.numbers, finite=False),
        quiet=True,
    )
    if problem:
        return [f"identical images: {problem}; return math.inf when the MSE is 0"]
    if not (np.shape(same) == () and np.isposinf(same)):
        return [
            f"identical images gave {float(np.ravel(same)[0])!r}; the PSNR of a "
            "perfect copy is +inf (MSE = 0)"
        ]
    return []


@checking.checker
def check_psnr(fn, show: bool = True) -> Feedback:
    """Check ``fn(prediction, target) -> float``: the PSNR in dB of images in [0, 1]."""
    return checking.judge(
        "PSNR",
        fn,
        _psnr_cases(),
        psnr,
        same=_close,
        convert=functools.partial(checking.numbers, finite=False),
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)}: the PSNR of "
            "a batch is one number "
            "(average the squared errors over every pixel "
            "first)"
        ),
        mistakes=_PSNR_MISTAKES,
        extra=_psnr_identical,
        quiet=True,
        differs_hints=[
            "mse = np.mean((prediction - target) ** 2); return 10 * np.log10(1 / mse)"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# A centre mask
# --------------------------------------------------------------------------


def centre_mask(image_size: int, box_size: int) -> np.ndarray:
    """The reference: ``(image_size, image_size)``, 1 on the central ``box_size`` square
    (top-left when it cannot be exact)."""
    start = (image_size - box_size) // 2
    mask = np.zeros((image_size, image_size))
    mask[start : start + box_size, start : start + box_size] = 1
    return mask


def _mask_cases() -> list[Case]:
    rng = checking.fresh_rng()
    size = int(rng.integers(10, 21))
    sizes = [(16, 6), (8, 4), (9, 3), (15, 4), (size, int(rng.integers(2, size - 3)))]
    return [Case((n, b), f"centre_mask({n}, {b})") for n, b in sizes]


def _mask_diagnose(outs, rights, cases):
    i = next(i for i in range(len(outs)) if not _close(outs[i], rights[i]))
    out, (size, box), call = outs[i], cases[i].args, cases[i].where
    if not np.isin(out, (0, 1)).all():
        return [
            f"{call} holds values other than 0 and 1; a mask says only missing "
            "(1) or known (0)"
        ]
    if out.sum() != box * box:
        side = math.isqrt(int(out.sum()))
        return [f"{call} hides {int(out.sum())} pixels, expected {box * box} (a "
                f"{box}x{box} square); "
                f"check the end of your slice (side {side}?)"]  # fmt: skip
    rows = np.flatnonzero(out.any(1))
    if rows[0] == 0:
        return [
            f"{call} puts the square in the top-left corner; start it at "
            "(image_size - box_size) // 2"
        ]
    return [
        f"{call}: the square starts at row {rows[0]}, "
        f"{expected((size - box) // 2)} = (image_size - box_size) // 2"
    ]


@checking.checker
def check_centre_mask(fn, show: bool = True) -> Feedback:
    """Check ``fn(image_size, box_size) -> mask``: 1 on the missing central square, 0
    elsewhere."""
    return checking.judge(
        "Centre mask", fn, _mask_cases(), centre_mask, same=_close,
        mistakes={"the mask is inverted: the course's masks are 1 where a pixel is "
                  "MISSING (the hole)":
                  lambda n, b: 1 - centre_mask(n, b)},
        diagnose=_mask_diagnose, show=show,
    )  # fmt: skip
