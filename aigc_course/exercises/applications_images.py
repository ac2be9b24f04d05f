"""Checkers for the image exercises of chapter 6, "Applications": style transfer and inpainting.

Each checker calls the reader's NumPy function on a few chosen inputs, compares
it with the reference, and recognises the usual mistakes so that it can say
what is wrong::

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
from aigc_course.exercises._feedback import Feedback, feedback

__all__ = ["check_centre_mask", "check_gram_matrix", "check_psnr"]


# The reader's function is run and its answer compared by the shared helpers; these are this
# module's settings of them.
_call = functools.partial(checking.call, finite=False)
_close = functools.partial(checking.close, rtol=1e-5, atol=1e-7)
_first_match = functools.partial(checking.first_match, same=_close)


# --------------------------------------------------------------------------
# The Gram matrix
# --------------------------------------------------------------------------

_FEATS = np.random.default_rng(11).standard_normal((2, 3, 4, 5))  # (N, C, H, W)


def gram_matrix(features):
    """The reference: ``G = F F^T / (H W)`` per image, ``(N, C, H, W)`` -> ``(N, C, C)``."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return f @ f.transpose(0, 2, 1) / (h * w)


def check_gram_matrix(fn, show: bool = True) -> Feedback:
    """Check ``fn(features) -> gram``: feature maps ``(N, C, H, W)`` to ``(N, C, C)``, divided by H*W."""
    name = "Gram matrix"
    out, problem = _call(fn, _FEATS)
    if problem:
        return feedback(name, [problem], show=show)
    right = gram_matrix(_FEATS)
    if _close(out, right):
        return feedback(name, [], show=show)
    n, c, h, w = _FEATS.shape
    flat = _FEATS.reshape(n, c, h * w)
    if out.shape == (n, h * w, h * w):
        return feedback(name, ["returned (N, H*W, H*W): you multiplied F^T F; the Gram matrix compares channels, G = F F^T of shape (N, C, C)"], show=show)
    if out.shape == (c, c) and _close(out, right.mean(0)):
        return feedback(name, ["returned one (C, C) matrix for the whole batch: keep one Gram matrix per image, (N, C, C)"], show=show)
    if out.shape != right.shape:
        return feedback(name, [f"returned shape {out.shape}, expected {right.shape} (one C x C matrix per image)"], show=show)
    candidates = {
        "you did not divide by H * W: without it the loss grows with the image size": right * h * w,
        "you divided by C * H * W; the package divides by H * W (the mean over positions)": right / c,
        "you divided by N * H * W: the batch size has nothing to do with one image's statistics": right / n,
        "you divided by H * W twice": right / (h * w),
        "you took the covariance (subtracted each channel's mean); the Gram matrix uses the raw products": np.stack(
            [(f - f.mean(1, keepdims=True)) @ (f - f.mean(1, keepdims=True)).T / (h * w) for f in flat]
        ),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else ["values differ from F F^T / (H W)"]
    hints = [] if message else ["f = features.reshape(n, c, h * w); return f @ f.transpose(0, 2, 1) / (h * w)"]
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# PSNR
# --------------------------------------------------------------------------

_TARGET = np.random.default_rng(12).uniform(size=(3, 6, 6))
_PRED = np.clip(_TARGET + np.random.default_rng(13).normal(0, 0.1, _TARGET.shape), 0, 1)


def psnr(prediction, target):
    """The reference for images in [0, 1]: ``10 log10(1 / MSE)`` in dB, ``inf`` for identical images."""
    mse = np.mean((np.asarray(prediction, float) - np.asarray(target, float)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(1.0 / mse)


def check_psnr(fn, show: bool = True) -> Feedback:
    """Check ``fn(prediction, target) -> float``: the PSNR in dB of images in [0, 1]."""
    name = "PSNR"
    with np.errstate(divide="ignore", invalid="ignore"):
        out, problem = _call(fn, _PRED, _TARGET)
    if problem:
        return feedback(name, [problem], show=show)
    if out.shape != ():
        return feedback(name, [f"returned shape {out.shape}: the PSNR of a batch is one number (average the squared errors over every pixel first)"], show=show)
    right = psnr(_PRED, _TARGET)
    mse = np.mean((_PRED - _TARGET) ** 2)
    if _close(out, right):
        with np.errstate(divide="ignore", invalid="ignore"):
            same, problem = _call(fn, _TARGET, _TARGET)
        if problem:
            return feedback(name, [f"identical images: {problem}; return math.inf when the MSE is 0"], show=show)
        if not (same.shape == () and np.isposinf(same)):
            return feedback(name, [f"identical images gave {float(same)!r}; the PSNR of a perfect copy is +inf (MSE = 0)"], show=show)
        return feedback(name, [], show=show)
    candidates = {
        "the sign is flipped: PSNR = 10 log10(MAX^2 / MSE), larger is better": -right,
        "you forgot the factor 10: decibels are 10 log10 of a power ratio": math.log10(1 / mse),
        "you used 20 log10 with the MSE; 20 log10 goes with the RMSE (20 log10(MAX / RMSE) = 10 log10(MAX^2 / MSE))": 20 * math.log10(1 / mse),
        "you used the RMSE inside 10 log10; use the MSE (or 20 log10 with the RMSE)": 10 * math.log10(1 / math.sqrt(mse)),
        "you used the natural log; decibels use log10": 10 * math.log(1 / mse),
        "you summed the squared errors; the PSNR uses their mean": 10 * math.log10(1 / np.sum((_PRED - _TARGET) ** 2)),
        "you used the mean absolute error; the PSNR uses the mean squared error": 10 * math.log10(1 / np.mean(np.abs(_PRED - _TARGET))),
        "you took MAX = 255; these images are in [0, 1], so MAX = 1": 10 * math.log10(255**2 / mse),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [f"your PSNR is {float(out):.4f} dB, expected {right:.4f} dB"]
    hints = [] if message else ["mse = np.mean((prediction - target) ** 2); return 10 * np.log10(1 / mse)"]
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# A centre mask
# --------------------------------------------------------------------------


def centre_mask(image_size: int, box_size: int) -> np.ndarray:
    """The reference: ``(image_size, image_size)``, 1 on the central ``box_size`` square (top-left when it cannot be exact)."""
    start = (image_size - box_size) // 2
    mask = np.zeros((image_size, image_size))
    mask[start : start + box_size, start : start + box_size] = 1
    return mask


def check_centre_mask(fn, show: bool = True) -> Feedback:
    """Check ``fn(image_size, box_size) -> mask``: 1 on the missing central square, 0 elsewhere."""
    name = "Centre mask"
    cases = [(16, 6), (8, 4), (9, 3), (15, 4)]
    for size, box in cases:
        out, problem = _call(fn, size, box)
        if problem:
            return feedback(name, [f"centre_mask({size}, {box}): {problem}"], show=show)
        right = centre_mask(size, box)
        if _close(out, right):
            continue
        call = f"centre_mask({size}, {box})"
        if out.shape != right.shape:
            return feedback(name, [f"{call} returned shape {out.shape}, expected {right.shape}"], show=show)
        if not np.isin(out, (0, 1)).all():
            return feedback(name, [f"{call} holds values other than 0 and 1; a mask says only missing (1) or known (0)"], show=show)
        if _close(out, 1 - right):
            return feedback(name, [f"{call} is inverted: the course's masks are 1 where a pixel is MISSING (the hole)"], show=show)
        if out.sum() != box * box:
            side = math.isqrt(int(out.sum()))
            return feedback(name, [f"{call} hides {int(out.sum())} pixels, expected {box * box} (a {box}x{box} square); check the end of your slice (side {side}?)"], show=show)
        rows = np.flatnonzero(out.any(1))
        if rows[0] == 0:
            return feedback(name, [f"{call} puts the square in the top-left corner; start it at (image_size - box_size) // 2"], show=show)
        return feedback(name, [f"{call}: the square starts at row {rows[0]}, expected {(size - box) // 2} = (image_size - box_size) // 2"], show=show)
    return feedback(name, [], show=show)
