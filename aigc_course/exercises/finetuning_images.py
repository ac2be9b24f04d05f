"""Checkers for the exercises of chapter 5, "Transfer learning for images".

Each checker calls the reader's NumPy function on chosen inputs and on inputs drawn at
random, compares it with the package's reference, and recognises the usual mistakes so
that it can say what is wrong::

    from aigc_course.exercises import finetuning_images as ex
    ex.check_patch_mask(my_patch_mask)
    ex.check_masked_loss(my_masked_loss)
    ex.check_few_shot_split(my_few_shot_split)

The references follow :mod:`aigc_course.torch.selfsupervised` (and its Keras twin).
"""

from __future__ import annotations

import functools
from statistics import NormalDist

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback, expected, feedback
from aigc_course.maths import theory

__all__ = ["check_few_shot_split", "check_masked_loss", "check_patch_mask"]


_close = functools.partial(checking.close, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------
# Patch masks
# --------------------------------------------------------------------------


def patch_mask(
    noise, image_size: int, patch_size: int, mask_ratio: float
) -> np.ndarray:
    """The reference: pixel mask ``(N, H, W)``, 1 on hidden patches.

    Patch ``(i, j)`` (row ``i``, column ``j`` of the ``g x g`` grid of patches,
    ``g = image_size // patch_size``) is decided by ``noise[:, i * g + j]``: it is
    hidden when that standard normal value is below the ``mask_ratio`` quantile
    of N(0, 1), which happens with probability ``mask_ratio``.
    """
    noise = np.asarray(noise, dtype=np.float64)
    g = image_size // patch_size  # patches per side
    threshold = NormalDist().inv_cdf(mask_ratio) if mask_ratio > 0 else -np.inf
    hidden = (noise < threshold).astype(np.float32).reshape(-1, g, g)  # (N, g, g)
    return hidden.repeat(patch_size, axis=1).repeat(patch_size, axis=2)  # (N, H, W)


_NOISE_RNG = np.random.default_rng(11)
# (noise, image_size, patch_size, mask_ratio): three grids and three ratios.
_MASK_CASES = [
    (_NOISE_RNG.standard_normal((6, 16)), 16, 4, 0.5),
    (_NOISE_RNG.standard_normal((6, 16)), 8, 2, 0.25),
    (_NOISE_RNG.standard_normal((6, 4)), 8, 4, 0.75),
    (_NOISE_RNG.standard_normal((3, 16)), 16, 4, 0.0),
]


def _mask_candidates(noise, image_size, patch_size, mask_ratio) -> dict:
    g = image_size // patch_size
    threshold = NormalDist().inv_cdf(mask_ratio) if mask_ratio > 0 else -np.inf
    right = patch_mask(noise, image_size, patch_size, mask_ratio)

    def grow(hidden):
        hidden = np.asarray(hidden, dtype=np.float32).reshape(-1, g, g)
        return hidden.repeat(patch_size, axis=1).repeat(patch_size, axis=2)

    return {
        "your mask is 1 on the visible patches (the noise is above the threshold "
        "there): a patch is hidden, "
        "mask 1, when its noise is BELOW the mask_ratio quantile of N(0, 1)": 1 - right,
        "you hide the right fraction of patches but not the package's: a patch is "
        "hidden when its noise is BELOW "
        "the mask_ratio quantile of N(0, 1), not "
        "above the (1 - mask_ratio) quantile": grow(noise > -threshold),
        "you compared the noise with mask_ratio itself; the noise is standard normal, "
        "so compare it with its "
        "mask_ratio quantile, statistics.NormalDist().inv_cdf(mask_ratio) "
        "(scipy.stats.norm.ppf), or the rate is wrong": grow(noise < mask_ratio),
        "your patches are numbered column by column; noise[:, i * g + j] decides the "
        "patch in row i, column j "
        "(reshape to (N, g, g), "
        "row-major, as NumPy does by "
        "default)": right.reshape(-1, g, patch_size, g, patch_size)
        .transpose(0, 3, 4, 1, 2)
        .reshape(right.shape),
        "you tiled the grid of patches (np.tile) instead of enlarging each patch to "
        "patch_size x patch_size pixels "
        "(np.repeat along each image axis)": np.tile(
            (noise < threshold).astype(np.float32).reshape(-1, g, g),
            (1, patch_size, patch_size),
        ),
    }


def _mask_cases() -> list[Case]:
    rng = checking.fresh_rng()
    image_size, patch_size = [(16, 4), (12, 3), (8, 2), (12, 4)][int(rng.integers(4))]
    ratio = round(float(rng.uniform(0.1, 0.9)), 2)
    noise = rng.standard_normal(
        (int(rng.integers(2, 6)), (image_size // patch_size) ** 2)
    )
    cases = [
        Case(c, f"(image_size={c[1]}, patch_size={c[2]}, mask_ratio={c[3]})")
        for c in _MASK_CASES
    ]
    return cases + [
        Case(
            (noise, image_size, patch_size, ratio),
            "(random noise, "
            f"image_size={image_size}, "
            f"patch_size={patch_size}, "
            f"mask_ratio={ratio})",
        )
    ]


def _mask_mistake(message):
    return lambda *args: _mask_candidates(*args)[message]


def _mask_shape(out, right, case) -> str:
    noise, image_size, patch_size, _ = case.args
    g = image_size // patch_size
    if np.shape(out) == (len(noise), g, g):
        return (
            f"returned one value per patch, shape {np.shape(out)}; expand each "
            f"patch to pixels, shape {right.shape}"
        )
    if np.size(out) == right.size:
        return (
            f"returned shape {np.shape(out)}; expected {right.shape} (one "
            "image-sized mask per row of noise)"
        )
    return f"returned shape {np.shape(out)}, expected {right.shape}"


def _mask_diagnose(outs, rights, cases):
    i = next(i for i in range(len(outs)) if not _close(outs[i], rights[i]))
    out, right, args = outs[i], rights[i], cases[i].where
    if not np.isin(out, (0.0, 1.0)).all():
        return [f"{args}: the mask must hold only 0 (visible) and 1 (hidden)"]
    wrong = int((out != right).sum())
    return [f"{args}: {wrong} of {right.size} pixels differ from the expected mask "
            f"(image 0 hides {int(out[0].sum())} pixels, "
            f"{expected(int(right[0].sum()))})"]  # fmt: skip


@checking.checker
def check_patch_mask(fn, show: bool = True) -> Feedback:
    """Check ``fn(noise, image_size, patch_size, mask_ratio) -> mask (N, H, W)``, 1 on
    hidden pixels.

    ``noise`` is standard normal, one value per patch, shape ``(N, (image_size //
    patch_size) ** 2)``.
    """
    cases = _mask_cases()
    zero = next(c for c in cases if c.args[3] == 0)
    _, problem = checking.run(fn, zero.args)
    if problem and "raised" in problem:
        return feedback("Patch mask", [f"{zero.where}: {problem}"],
                        ["NormalDist().inv_cdf(0) has no value: with mask_ratio = 0 "
                         "hide nothing"], show=show)  # fmt: skip
    return checking.judge(
        "Patch mask",
        fn,
        cases,
        patch_mask,
        same=_close,
        shape=_mask_shape,
        mistakes={m: _mask_mistake(m) for m in _mask_candidates(*cases[0].args)},
        diagnose=_mask_diagnose,
        differs_hints=[
            "hidden = noise < NormalDist().inv_cdf(mask_ratio), reshaped "
            "to (N, g, g), then np.repeat by "
            "patch_size along axes 1 and 2"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# The masked reconstruction loss
# --------------------------------------------------------------------------


def masked_loss(logits, images, mask) -> float:
    """The reference: binary cross-entropy averaged over the hidden pixels (``mask ==
    1``) of the whole batch."""
    per_pixel = theory.bce_with_logits(logits, images)
    return float((per_pixel * mask).sum() / max(mask.sum(), 1.0))


_LOSS_RNG = np.random.default_rng(5)
_LOGITS = _LOSS_RNG.normal(0.0, 2.0, (4, 8, 8))
# exact 0s and 1s and greys
_IMAGES = np.clip(_LOSS_RNG.uniform(-0.3, 1.3, (4, 8, 8)), 0.0, 1.0)
# Images hide different numbers of patches (1, 2, 3 and 4 of the 2x2 grid), so a
# mean per image and then over images differs from the mean over all hidden pixels.
_MASK = np.zeros((4, 8, 8))
for _n, _cells in enumerate(
    [
        [(0, 0)],
        [(0, 1), (1, 0)],
        [(0, 0), (1, 1), (1, 0)],
        [(0, 0), (0, 1), (1, 0), (1, 1)],
    ]
):
    for _i, _j in _cells:
        _MASK[_n, 4 * _i : 4 * _i + 4, 4 * _j : 4 * _j + 4] = 1.0


def _loss_cases() -> list[Case]:
    rng = checking.fresh_rng()
    n = int(rng.integers(3, 6))
    hidden = (rng.uniform(size=(n, 2, 2)) < 0.5).astype(float)
    # every image hides a patch
    hidden[np.arange(n), rng.integers(0, 2, n), rng.integers(0, 2, n)] = 1.0
    hidden[0] = 1.0  # and they hide different numbers of patches
    mask = hidden.repeat(3, axis=1).repeat(3, axis=2)  # (n, 6, 6)
    logits, images = (
        rng.normal(0.0, 2.0, (n, 6, 6)),
        np.clip(rng.uniform(-0.3, 1.3, (n, 6, 6)), 0.0, 1.0),
    )
    return [
        Case((_LOGITS, _IMAGES, _MASK), "on the chosen batch"),
        Case((logits, images, mask), "on a random batch"),
        Case(
            (_LOGITS[:2], _IMAGES[:2], _MASK[:2]),
            "on the first two images of the chosen batch",
        ),
    ]


def _bce_of(logits, images):
    return theory.bce_with_logits(logits, images)


def _over_hidden(values, m):
    return float((values * m).sum() / m.sum())


_LOSS_MISTAKES = {
    "you averaged over all pixels; average over the hidden pixels only (divide by "
    "mask.sum())": lambda z, x, m: float((_bce_of(z, x) * m).mean()),
    "you scored every pixel; only the hidden pixels (mask == 1) count, since copying "
    "visible pixels is no skill": lambda z, x, m: float(_bce_of(z, x).mean()),
    "you scored the visible pixels (mask == "
    "0); score the hidden ones (mask == 1)": lambda z, x, m: _over_hidden(
        _bce_of(z, x), 1 - m
    ),
    "you summed over the hidden pixels; "
    "divide by their number to get the mean": lambda z, x, m: float(
        (_bce_of(z, x) * m).sum()
    ),
    "you averaged each image's hidden pixels and then the images; average over all "
    "hidden pixels of the batch at "
    "once (an image with more hidden pixels counts more)": lambda z, x, m: float(
        np.mean(
            [
                (_bce_of(z, x)[i] * m[i]).sum() / m[i].sum()
                for i in range(len(x))
                if m[i].sum()
            ]
        )
    ),
    "the sign is flipped: BCE = -[x log p + (1 "
    "- x) log(1 - p)] is never negative": lambda z, x, m: -masked_loss(z, x, m),
    "the (1 - x) log(1 - p) term is missing: background pixels must be rewarded for p "
    "near 0": lambda z, x, m: _over_hidden(-x * np.log(theory.sigmoid(z)), m),
    "you used the logits as probabilities; apply the sigmoid first, p = 1 / (1 + "
    "exp(-logits))": lambda z, x, m: _over_hidden(
        -(
            x * np.log(np.clip(z, 1e-7, None))
            + (1 - x) * np.log(np.clip(1 - z, 1e-7, None))
        ),
        m,
    ),
    "that is the squared error of the probabilities; this exercise asks for the "
    "binary cross-entropy": lambda z, x, m: _over_hidden(
        (theory.sigmoid(z) - x) ** 2, m
    ),
}


def _loss_empty_mask(fn):
    empty, problem = checking.run(
        fn, (_LOGITS, _IMAGES, np.zeros_like(_MASK)), quiet=True
    )
    if problem or np.shape(empty) != () or not _close(empty, 0.0):
        got = problem or f"it returned {checking.fmt(empty)}"
        return (["with no hidden pixel the loss must be 0 (nothing to score), but "
                 f"{got}"],
                ["divide by max(mask.sum(), 1) instead of mask.sum()"])  # fmt: skip
    return []


@checking.checker
def check_masked_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, images, mask) -> float``: pixel BCE from logits, averaged over
    the hidden pixels only.

    Arrays are ``(N, H, W)``; ``mask`` is 1 on hidden pixels. With no hidden pixel at
    all the loss must be 0, not NaN (0 / 0).
    """
    return checking.judge(
        "Masked reconstruction loss", fn, _loss_cases(), masked_loss, same=_close,
        shape=lambda out, right, case: f"returned shape {np.shape(out)}, expected a "
                                       "single number "
                                       "(the mean over the hidden pixels of the batch)",
        mistakes=_LOSS_MISTAKES, extra=_loss_empty_mask, quiet=True,
        differs_hints=["per_pixel = -(x log p + (1 - x) log(1 - p)) with p = "
                       "sigmoid(logits); "
                       "(per_pixel * mask).sum() / max(mask.sum(), 1)"], show=show,
    )  # fmt: skip


# --------------------------------------------------------------------------
# The few-shot split
# --------------------------------------------------------------------------


def few_shot_split(labels, classes, k: int, seed: int) -> np.ndarray:
    """The reference: indices of ``k`` examples of each class in ``classes``, drawn
    without replacement with ``seed``."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    return np.concatenate(
        [
            rng.choice(np.flatnonzero(labels == c), size=k, replace=False)
            for c in classes
        ]
    )


# 20 of each digit, shuffled
_SPLIT_LABELS = np.random.default_rng(3).permutation(np.repeat(np.arange(10), 20))
_SPLIT_CASES = [
    ((5, 6, 7, 8, 9), 3, 0),
    ((2, 7), 15, 1),
    ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 1, 2),
]


def _split_problems(out, labels, classes, k) -> list[str]:
    """What is wrong with one returned selection (empty when nothing is)."""
    if out.dtype == bool:
        return [
            "returned a boolean mask; return the indices of the chosen examples "
            "(np.flatnonzero(mask))"
        ]
    if out.ndim != 1:
        return [
            f"returned shape {out.shape}; expected a flat array of indices, shape "
            f"({k * len(classes)},)"
        ]
    if out.size and not np.issubdtype(out.dtype, np.integer):
        if np.issubdtype(out.dtype, np.floating) and np.all(out == np.round(out)):
            out = out.astype(np.int64)
        else:
            return [
                f"returned values of type {out.dtype}; expected integer indices "
                "into labels"
            ]
    if out.size and (out.min() < 0 or out.max() >= len(labels)):
        return [
            f"index {int(out.max()) if out.max() >= len(labels) else int(out.min())} "
            f"is outside [0, {len(labels)}): the indices "
            "must point into the labels you were given (the training split); "
            "anything else reads other data, such as "
            "the test set, and leaks it into training"
        ]
    problems = []
    if len(np.unique(out)) != len(out):
        problems.append(
            "the same example was chosen more than once; draw without "
            "replacement (replace=False)"
        )
    chosen = labels[out.astype(np.int64)]
    extra = sorted(set(chosen.tolist()) - set(classes))
    if extra:
        problems.append(
            f"chose examples of class(es) {extra}, which were not asked "
            f"for (classes={list(classes)})"
        )
    counts = {c: int((chosen == c).sum()) for c in classes}
    wrong = {c: n for c, n in counts.items() if n != k}
    if wrong and not problems:
        problems.append(
            f"expected exactly k={k} examples of every requested class; "
            f"got {wrong} (class: count)"
        )
    return problems


@checking.checker
def check_few_shot_split(fn, show: bool = True) -> Feedback:
    """Check ``fn(labels, classes, k, seed) -> indices``: ``k`` examples of each
    requested class, chosen with ``seed``.

    Any random choice is right, so the checker tests properties, on the chosen cases and
    on one drawn at random: exactly ``k`` per class, only of ``classes``, no index
    twice, only indices into ``labels`` (no test data), the same for the same seed
    whatever NumPy's global random state, and different for other seeds.
    """
    # the checks below reseed NumPy's global generator: put it back afterwards
    saved = np.random.get_state()
    try:
        return _check_few_shot_split(fn, show)
    finally:
        np.random.set_state(saved)


def _split_cases():
    """The chosen selections, and one drawn at random: classes, k and seed."""
    rng = checking.fresh_rng()
    classes = tuple(
        int(c) for c in np.sort(rng.choice(10, int(rng.integers(2, 6)), replace=False))
    )
    return [
        *_SPLIT_CASES,
        (classes, int(rng.integers(1, 8)), int(rng.integers(3, 10_000))),
    ]


_call = functools.partial(
    checking.run, convert=functools.partial(checking.numbers, dtype=None)
)


def _check_few_shot_split(fn, show: bool) -> Feedback:
    name = "Few-shot split"
    picks = []
    for classes, k, seed in _split_cases():
        args = f"(classes={list(classes)}, k={k}, seed={seed})"
        out, problem = _call(fn, (_SPLIT_LABELS, classes, k, seed))
        if problem:
            return feedback(name, [f"{args}: {problem}"], show=show)
        problems = _split_problems(out, _SPLIT_LABELS, classes, k)
        if problems:
            return feedback(name, [f"{args}: {p}" for p in problems], show=show)
        picks.append(out.astype(np.int64))
    classes, k, seed = _SPLIT_CASES[0]
    np.random.seed(1)  # two different global states: the answer must not depend on them
    again, problem = _call(fn, (_SPLIT_LABELS, classes, k, seed))
    np.random.seed(2)
    third, problem3 = _call(fn, (_SPLIT_LABELS, classes, k, seed))
    if problem or problem3:
        return feedback(name, [problem or problem3], show=show)
    if not (set(again.tolist()) == set(picks[0].tolist()) == set(third.tolist())):
        return feedback(name, ["two calls with the same seed chose different "
                               "examples: draw with np.random.default_rng(seed), "
                               "not the global random state, "
                               "so a run can be repeated"], show=show)  # fmt: skip
    others = []
    for other_seed in (seed + 1, seed + 2, seed + 3):
        out, problem = _call(fn, (_SPLIT_LABELS, classes, k, other_seed))
        if problem:
            return feedback(name, [f"seed={other_seed}: {problem}"], show=show)
        others.append(set(out.astype(np.int64).tolist()))
    if all(o == set(picks[0].tolist()) for o in others):
        first_k = {
            int(i) for c in classes for i in np.flatnonzero(_SPLIT_LABELS == c)[:k]
        }
        why = (
            "you take the first k examples of each class"
            if first_k == set(picks[0].tolist())
            else "the seed is ignored"
        )
        return feedback(name, [f"the seed does not change the choice ({why}): draw "
                               "the examples at random with the seed, so "
                               "the experiment can be "
                               "repeated with other examples"], show=show)  # fmt: skip
    return feedback(name, [], show=show)
