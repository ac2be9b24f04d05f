"""Checkers for the exercises of chapter 5, "Transfer learning for images".

Each checker calls the reader's NumPy function on a few chosen inputs, compares
it with the package's reference, and recognises the usual mistakes so that it
can say what is wrong::

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

from aigc_course import theory
from aigc_course.exercises import _checking as checking
from aigc_course.exercises._feedback import Feedback, feedback

__all__ = ["check_few_shot_split", "check_masked_loss", "check_patch_mask"]


# The reader's function is run and its answer compared by the shared helpers; these are this
# module's settings of them.
_call = functools.partial(checking.call, dtype=None)
_close = functools.partial(checking.close, rtol=1e-5, atol=1e-6)
_first_match = functools.partial(checking.first_match, same=_close)


def _as_float(out):
    """``(float array, problem)``: numbers only, finite."""
    try:
        out = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        return None, f"your function returned values of type {out.dtype}, which are not numbers"
    if not np.all(np.isfinite(out)):
        return None, "your function returned NaN or infinite values"
    return out, None


# --------------------------------------------------------------------------
# Patch masks
# --------------------------------------------------------------------------


def patch_mask(noise, image_size: int, patch_size: int, mask_ratio: float) -> np.ndarray:
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
        "your mask is 1 on the visible patches (the noise is above the threshold there): a patch is hidden, "
        "mask 1, when its noise is BELOW the mask_ratio quantile of N(0, 1)": 1 - right,
        "you hide the right fraction of patches but not the package's: a patch is hidden when its noise is BELOW "
        "the mask_ratio quantile of N(0, 1), not above the (1 - mask_ratio) quantile": grow(noise > -threshold),
        "you compared the noise with mask_ratio itself; the noise is standard normal, so compare it with its "
        "mask_ratio quantile, statistics.NormalDist().inv_cdf(mask_ratio) (scipy.stats.norm.ppf), or the rate is wrong": grow(
            noise < mask_ratio
        ),
        "your patches are numbered column by column; noise[:, i * g + j] decides the patch in row i, column j "
        "(reshape to (N, g, g), row-major, as NumPy does by default)": right.reshape(-1, g, patch_size, g, patch_size)
        .transpose(0, 3, 4, 1, 2)
        .reshape(right.shape),
        "you tiled the grid of patches (np.tile) instead of enlarging each patch to patch_size x patch_size pixels "
        "(np.repeat along each image axis)": np.tile((noise < threshold).astype(np.float32).reshape(-1, g, g), (1, patch_size, patch_size)),
    }


def check_patch_mask(fn, show: bool = True) -> Feedback:
    """Check ``fn(noise, image_size, patch_size, mask_ratio) -> mask (N, H, W)``, 1 on hidden pixels.

    ``noise`` is standard normal, one value per patch, shape ``(N, (image_size // patch_size) ** 2)``.
    """
    name = "Patch mask"
    failing = []  # (args, reader's mask, candidate mistakes) of the cases that differ
    for noise, image_size, patch_size, mask_ratio in _MASK_CASES:
        args = f"(image_size={image_size}, patch_size={patch_size}, mask_ratio={mask_ratio})"
        out, problem = _call(fn, noise, image_size, patch_size, mask_ratio)
        if problem is None:
            out, problem = _as_float(out)
        if problem:
            hints = ["NormalDist().inv_cdf(0) has no value: with mask_ratio = 0 hide nothing"] if mask_ratio == 0 else []
            return feedback(name, [f"{args}: {problem}"], hints, show=show)
        right = patch_mask(noise, image_size, patch_size, mask_ratio)
        if out.shape != right.shape:
            g = image_size // patch_size
            if out.shape == (len(noise), g, g):
                message = f"returned one value per patch, shape {out.shape}; expand each patch to pixels, shape {right.shape}"
            elif out.size == right.size:
                message = f"returned shape {out.shape}; expected {right.shape} (one image-sized mask per row of noise)"
            else:
                message = f"returned shape {out.shape}, expected {right.shape}"
            return feedback(name, [f"{args}: {message}"], show=show)
        if not np.isin(out, (0.0, 1.0)).all():
            return feedback(name, [f"{args}: the mask must hold only 0 (visible) and 1 (hidden)"], show=show)
        if not _close(out, right):
            failing.append((args, out, right, _mask_candidates(noise, image_size, patch_size, mask_ratio)))
    if not failing:
        return feedback(name, [], show=show)
    # Name the mistake that explains every failing case (several coincide in one case: at
    # mask_ratio=0.5, "above the (1 - r) quantile" and "1 on visible" give the same mask).
    for message in failing[0][3]:
        if all(_close(out, candidates[message]) for _, out, _, candidates in failing):
            return feedback(name, [message], show=show)
    args, out, right, candidates = failing[0]
    message = _first_match(out, candidates)
    if message:
        return feedback(name, [f"{args}: {message}"], show=show)
    wrong = int((out != right).sum())
    return feedback(
        name,
        [f"{args}: {wrong} of {right.size} pixels differ from the expected mask "
         f"(image 0 hides {int(out[0].sum())} pixels, expected {int(right[0].sum())})"],
        ["hidden = noise < NormalDist().inv_cdf(mask_ratio), reshaped to (N, g, g), then np.repeat by patch_size along axes 1 and 2"],
        show=show,
    )  # fmt: skip


# --------------------------------------------------------------------------
# The masked reconstruction loss
# --------------------------------------------------------------------------


def masked_loss(logits, images, mask) -> float:
    """The reference: binary cross-entropy averaged over the hidden pixels (``mask == 1``) of the whole batch."""
    per_pixel = theory.bce_with_logits(logits, images)
    return float((per_pixel * mask).sum() / max(mask.sum(), 1.0))


_LOSS_RNG = np.random.default_rng(5)
_LOGITS = _LOSS_RNG.normal(0.0, 2.0, (4, 8, 8))
_IMAGES = np.clip(_LOSS_RNG.uniform(-0.3, 1.3, (4, 8, 8)), 0.0, 1.0)  # exact 0s and 1s and greys
# Images hide different numbers of patches (1, 2, 3 and 4 of the 2x2 grid), so a
# mean per image and then over images differs from the mean over all hidden pixels.
_MASK = np.zeros((4, 8, 8))
for _n, _cells in enumerate([[(0, 0)], [(0, 1), (1, 0)], [(0, 0), (1, 1), (1, 0)], [(0, 0), (0, 1), (1, 0), (1, 1)]]):
    for _i, _j in _cells:
        _MASK[_n, 4 * _i : 4 * _i + 4, 4 * _j : 4 * _j + 4] = 1.0


def check_masked_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, images, mask) -> float``: pixel BCE from logits, averaged over the hidden pixels only.

    Arrays are ``(N, H, W)``; ``mask`` is 1 on hidden pixels.  With no hidden
    pixel at all the loss must be 0, not NaN (0 / 0).
    """
    name = "Masked reconstruction loss"
    out, problem = _call(fn, _LOGITS, _IMAGES, _MASK)
    if problem is None:
        out, problem = _as_float(out)
    if problem:
        hints = ["the logits are any real numbers: p = 1 / (1 + exp(-logits)) before any log; the log goes on p, never on x"] if "NaN" in problem else []
        return feedback(name, [problem], hints, show=show)
    if out.shape != ():
        return feedback(name, [f"returned shape {out.shape}, expected a single number (the mean over the hidden pixels of the batch)"], show=show)
    right = masked_loss(_LOGITS, _IMAGES, _MASK)
    if _close(out, right):
        empty, problem = _call(fn, _LOGITS, _IMAGES, np.zeros_like(_MASK))
        if problem is None:
            empty, problem = _as_float(empty)
        if problem or empty.shape != () or not _close(empty, 0.0):
            got = problem or f"it returned {np.round(empty, 4).tolist()}"
            return feedback(name, [f"with no hidden pixel the loss must be 0 (nothing to score), but {got}"],
                            ["divide by max(mask.sum(), 1) instead of mask.sum()"], show=show)  # fmt: skip
        return feedback(name, [], show=show)
    x, p, m = _IMAGES, theory.sigmoid(_LOGITS), _MASK
    per_pixel = theory.bce_with_logits(_LOGITS, _IMAGES)
    n = len(x)

    def over_hidden(values):
        return float((values * m).sum() / m.sum())

    candidates = {
        "you averaged over all pixels; average over the hidden pixels only (divide by mask.sum())": float((per_pixel * m).mean()),
        "you scored every pixel; only the hidden pixels (mask == 1) count, since copying visible pixels is no skill": float(per_pixel.mean()),
        "you scored the visible pixels (mask == 0); score the hidden ones (mask == 1)": float((per_pixel * (1 - m)).sum() / (1 - m).sum()),
        "you summed over the hidden pixels; divide by their number to get the mean": float((per_pixel * m).sum()),
        "you averaged each image's hidden pixels and then the images; average over all hidden pixels of the batch at "
        "once (an image with more hidden pixels counts more)": float(np.mean([(per_pixel[i] * m[i]).sum() / m[i].sum() for i in range(n)])),
        "the sign is flipped: BCE = -[x log p + (1 - x) log(1 - p)] is never negative": -right,
        "the (1 - x) log(1 - p) term is missing: background pixels must be rewarded for p near 0": over_hidden(-x * np.log(p)),
        "you used the logits as probabilities; apply the sigmoid first, p = 1 / (1 + exp(-logits))": over_hidden(
            -(x * np.log(np.clip(_LOGITS, 1e-7, None)) + (1 - x) * np.log(np.clip(1 - _LOGITS, 1e-7, None)))
        ),
        "that is the squared error of the probabilities; this exercise asks for the binary cross-entropy": over_hidden((p - x) ** 2),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [f"your loss is {float(out):.4f}, expected {right:.4f}"]
    hints = [] if message else ["per_pixel = -(x log p + (1 - x) log(1 - p)) with p = sigmoid(logits); (per_pixel * mask).sum() / max(mask.sum(), 1)"]
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# The few-shot split
# --------------------------------------------------------------------------


def few_shot_split(labels, classes, k: int, seed: int) -> np.ndarray:
    """The reference: indices of ``k`` examples of each class in ``classes``, drawn without replacement with ``seed``."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), size=k, replace=False) for c in classes])


_SPLIT_LABELS = np.random.default_rng(3).permutation(np.repeat(np.arange(10), 20))  # 20 of each digit, shuffled
_SPLIT_CASES = [((5, 6, 7, 8, 9), 3, 0), ((2, 7), 15, 1), ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 1, 2)]


def _split_problems(out, labels, classes, k) -> list[str]:
    """What is wrong with one returned selection (empty when nothing is)."""
    if out.dtype == bool:
        return ["returned a boolean mask; return the indices of the chosen examples (np.flatnonzero(mask))"]
    if out.ndim != 1:
        return [f"returned shape {out.shape}; expected a flat array of indices, shape ({k * len(classes)},)"]
    if out.size and not np.issubdtype(out.dtype, np.integer):
        if np.issubdtype(out.dtype, np.floating) and np.all(out == np.round(out)):
            out = out.astype(np.int64)
        else:
            return [f"returned values of type {out.dtype}; expected integer indices into labels"]
    if out.size and (out.min() < 0 or out.max() >= len(labels)):
        return [f"index {int(out.max()) if out.max() >= len(labels) else int(out.min())} is outside [0, {len(labels)}): the indices "
                "must point into the labels you were given (the training split); anything else reads other data, such as "
                "the test set, and leaks it into training"]  # fmt: skip
    problems = []
    if len(np.unique(out)) != len(out):
        problems.append("the same example was chosen more than once; draw without replacement (replace=False)")
    chosen = labels[out.astype(np.int64)]
    extra = sorted(set(chosen.tolist()) - set(classes))
    if extra:
        problems.append(f"chose examples of class(es) {extra}, which were not asked for (classes={list(classes)})")
    counts = {c: int((chosen == c).sum()) for c in classes}
    wrong = {c: n for c, n in counts.items() if n != k}
    if wrong and not problems:
        problems.append(f"expected exactly k={k} examples of every requested class; got {wrong} (class: count)")
    return problems


def check_few_shot_split(fn, show: bool = True) -> Feedback:
    """Check ``fn(labels, classes, k, seed) -> indices``: ``k`` examples of each requested class, chosen with ``seed``.

    The selection must be exactly ``k`` per class, only of ``classes``, no
    index twice, only indices into ``labels`` (no test data), the same for the
    same seed whatever NumPy's global random state, and different for other seeds.
    """
    saved = np.random.get_state()  # the checks below reseed NumPy's global generator: put it back afterwards
    try:
        return _check_few_shot_split(fn, show)
    finally:
        np.random.set_state(saved)


def _check_few_shot_split(fn, show: bool) -> Feedback:
    name = "Few-shot split"
    picks = []
    for classes, k, seed in _SPLIT_CASES:
        args = f"(classes={list(classes)}, k={k}, seed={seed})"
        out, problem = _call(fn, _SPLIT_LABELS, classes, k, seed)
        if problem:
            return feedback(name, [f"{args}: {problem}"], show=show)
        problems = _split_problems(out, _SPLIT_LABELS, classes, k)
        if problems:
            return feedback(name, [f"{args}: {p}" for p in problems], show=show)
        picks.append(out.astype(np.int64))
    classes, k, seed = _SPLIT_CASES[0]
    np.random.seed(1)  # two different global states: the answer must not depend on them
    again, problem = _call(fn, _SPLIT_LABELS, classes, k, seed)
    np.random.seed(2)
    third, problem3 = _call(fn, _SPLIT_LABELS, classes, k, seed)
    if problem or problem3:
        return feedback(name, [problem or problem3], show=show)
    if not (set(again.tolist()) == set(picks[0].tolist()) == set(third.tolist())):
        return feedback(name, ["two calls with the same seed chose different examples: draw with np.random.default_rng(seed), "
                               "not the global random state, so a run can be repeated"], show=show)  # fmt: skip
    others = []
    for other_seed in (seed + 1, seed + 2, seed + 3):
        out, problem = _call(fn, _SPLIT_LABELS, classes, k, other_seed)
        if problem:
            return feedback(name, [f"seed={other_seed}: {problem}"], show=show)
        others.append(set(out.astype(np.int64).tolist()))
    if all(o == set(picks[0].tolist()) for o in others):
        first_k = {int(i) for c in classes for i in np.flatnonzero(_SPLIT_LABELS == c)[:k]}
        why = "you take the first k examples of each class" if first_k == set(picks[0].tolist()) else "the seed is ignored"
        return feedback(name, [f"the seed does not change the choice ({why}): draw the examples at random with the seed, so "
                               "the experiment can be repeated with other examples"], show=show)  # fmt: skip
    return feedback(name, [], show=show)
