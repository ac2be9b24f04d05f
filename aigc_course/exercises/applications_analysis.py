"""Reference functions and exercise checkers for chapter 6: anomaly detection,
augmentation, risks.

Framework-free NumPy, written once for both frameworks:

* :func:`roc_auc` and :func:`roc_curve`: how well a score separates two groups
  (held-out digits from the rest, generated images from real ones).
* :func:`reconstruction_error` and :func:`negative_elbo`: per-image anomaly scores
  from a VAE's outputs.
* :func:`nearest_neighbour_distance`: how close each image is to its nearest
  training image (a baseline anomaly score, and a memorisation check).

Each ``check_...`` function calls the reader's version on chosen inputs and
says what is wrong, not only whether it is::

    from aigc_course.exercises import applications_analysis as ex
    ex.check_roc_auc(my_roc_auc)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback

__all__ = [
    "check_nearest_neighbour_distance",
    "check_reconstruction_error",
    "check_roc_auc",
    "nearest_neighbour_distance",
    "negative_elbo",
    "reconstruction_error",
    "roc_auc",
    "roc_curve",
]


# --------------------------------------------------------------------------
# Reference functions
# --------------------------------------------------------------------------


def _scores_and_labels(scores, is_positive) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    is_positive = np.asarray(is_positive)
    if scores.ndim != 1:
        raise ValueError(
            f"scores must be 1-D (one score per example), got shape {scores.shape}"
        )
    if is_positive.shape != scores.shape:
        raise ValueError(
            f"is_positive must have the shape of scores {scores.shape}, "
            f"got {is_positive.shape}"
        )
    if not np.all(np.isin(is_positive, (0, 1))):
        raise ValueError("is_positive must hold booleans or 0/1")
    is_positive = is_positive.astype(bool)
    if is_positive.all() or not is_positive.any():
        raise ValueError("is_positive must contain both positives and negatives")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores hold NaN or infinite values")
    return scores, is_positive


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x``; tied values share the average of their ranks."""
    order = np.argsort(x, kind="mergesort")
    _, first, counts = np.unique(x[order], return_index=True, return_counts=True)
    ranks = np.empty(len(x))
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    return ranks


def roc_auc(scores, is_positive) -> float:
    """Area under the ROC curve: P(score of a random positive > score of a random
    negative), ties count 1/2.

    Computed from ranks (the Mann-Whitney U statistic divided by P * N), so it
    needs no threshold.  0.5 is chance; 1 is perfect separation; below 0.5 the
    score points the wrong way.
    """
    scores, is_positive = _scores_and_labels(scores, is_positive)
    p, n = int(is_positive.sum()), int((~is_positive).sum())
    ranks = _average_ranks(scores)
    return float((ranks[is_positive].sum() - p * (p + 1) / 2) / (p * n))


def roc_curve(scores, is_positive) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)``: flag "positive" when ``score >= threshold``, for
    every distinct score.

    Starts at (0, 0) with threshold +inf and ends at (1, 1).  The trapezoid
    area under ``(fpr, tpr)`` equals :func:`roc_auc`.
    """
    scores, is_positive = _scores_and_labels(scores, is_positive)
    thresholds = np.unique(scores)[::-1]  # high to low
    pos, neg = np.sort(scores[is_positive]), np.sort(scores[~is_positive])
    # positives with score >= t
    tp = len(pos) - np.searchsorted(pos, thresholds, side="left")
    fp = len(neg) - np.searchsorted(neg, thresholds, side="left")
    fpr = np.concatenate([[0.0], fp / len(neg)])
    tpr = np.concatenate([[0.0], tp / len(pos)])
    return fpr, tpr, np.concatenate([[np.inf], thresholds])


def _flat(images, name: str) -> np.ndarray:
    images = np.asarray(images, dtype=np.float64)
    if images.ndim < 2:
        raise ValueError(
            f"{name} must have shape (N, ...) with one image per row, "
            f"got {images.shape}"
        )
    return images.reshape(len(images), -1)


def reconstruction_error(images, reconstructions) -> np.ndarray:
    """Per-image squared error, summed over pixels: shape ``(N,)``."""
    x, r = _flat(images, "images"), _flat(reconstructions, "reconstructions")
    if x.shape != r.shape:
        raise ValueError(
            f"reconstructions must have the shape of images {x.shape}, got {r.shape}"
        )
    return ((x - r) ** 2).sum(axis=1)


def negative_elbo(images, decoded, z_mean, z_log_var, eps: float = 1e-7) -> np.ndarray:
    """Per-image negative ELBO of a Bernoulli VAE, shape ``(N,)``, in nats.

    ``-ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || N(0, I))``.  The expectation is
    a Monte Carlo average over ``decoded``, shape ``(K, N, H, W)``: the
    decoder's pixel probabilities for K draws ``z = mean + sigma * eps``.  The
    KL is in closed form.  (The package's losses average the same quantities
    over the batch; an anomaly score needs one number per image.)
    """
    x = _flat(images, "images")
    p = np.asarray(decoded, dtype=np.float64)
    if p.ndim < 3 or p.shape[1] != len(x) or np.prod(p.shape[2:]) != x.shape[1]:
        raise ValueError(
            f"decoded must have shape (K, {len(x)}, ...) matching images, got {p.shape}"
        )
    p = np.clip(p.reshape(len(p), len(x), -1), eps, 1 - eps)  # (K, N, H*W)
    nll = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=2).mean(axis=0)  # (N,)
    mean, log_var = np.asarray(z_mean, np.float64), np.asarray(z_log_var, np.float64)
    kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1)  # (N,)
    return nll + kl


def nearest_neighbour_distance(queries, reference, chunk: int = 512) -> np.ndarray:
    """Euclidean distance from each query image to its nearest image in ``reference``:
    shape ``(N_queries,)``."""
    q, r = _flat(queries, "queries"), _flat(reference, "reference")
    if q.shape[1] != r.shape[1]:
        raise ValueError(
            f"queries have {q.shape[1]} pixels per image but reference has {r.shape[1]}"
        )
    r_sq = (r**2).sum(axis=1)
    out = np.empty(len(q))
    # chunks keep the (queries x reference) matrix small
    for start in range(0, len(q), chunk):
        block = q[start : start + chunk]
        # (chunk, N_ref)
        d2 = (block**2).sum(axis=1)[:, None] + r_sq[None, :] - 2 * block @ r.T
        out[start : start + chunk] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out


# --------------------------------------------------------------------------
# Exercise: ROC AUC
# --------------------------------------------------------------------------

_close = functools.partial(checking.close, rtol=1e-6, atol=1e-8)

# Ties across the classes on purpose (0.4 and 0.7), and unequal class sizes.
_SCORES = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.4, 0.9, 0.2, 0.7, 0.05, 0.6])
_POSITIVE = np.array([0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0], dtype=bool)


def _roc_cases() -> list[Case]:
    rng = checking.fresh_rng()
    labels = rng.permutation(np.r_[np.ones(5, bool), np.zeros(9, bool)])
    # rounded: ties across the classes
    scores = np.round(rng.uniform(0, 1, 14) + 0.3 * labels, 1)
    return [
        Case((_SCORES, _POSITIVE), "on the chosen scores"),
        Case((scores, labels), "on random scores with ties"),
        Case(
            (np.array([0.1, 0.2, 0.8, 0.9]), np.array([False, False, True, True])),
            "when every positive scores above every negative (the area is 1)",
        ),
        Case(
            (np.full(4, 0.3), np.array([False, True, False, True])),
            "when all scores are equal (no information: 0.5)",
        ),
        Case((_SCORES, _POSITIVE.astype(int)), "with labels given as 0/1 integers"),
    ]


def _pair_counts(scores, is_positive):
    is_positive = np.asarray(is_positive).astype(bool)
    s_pos, s_neg = scores[is_positive][:, None], scores[~is_positive][None, :]
    return (
        int((s_pos > s_neg).sum()),
        int((s_pos == s_neg).sum()),
        s_pos.size * s_neg.size,
    )


_ROC_MISTAKES = {
    "the direction is flipped: a HIGHER score must mean 'more likely positive' (you "
    "got 1 - AUC)": lambda s, y: 1 - roc_auc(s, y),
    "ties between a positive and a negative must count as one half; you counted them "
    "as 0": lambda s, y: _pair_counts(s, y)[0] / _pair_counts(s, y)[2],
    "ties between a positive and a negative must count as one half; you counted them "
    "as 1": lambda s, y: (
        (_pair_counts(s, y)[0] + _pair_counts(s, y)[1]) / _pair_counts(s, y)[2]
    ),
    "you counted the pairs but did not divide by "
    "their number (positives x negatives)": lambda s, y: (
        _pair_counts(s, y)[0] + 0.5 * _pair_counts(s, y)[1]
    ),
    "you returned the fraction of positives, not an area": lambda s, y: float(
        np.mean(y)
    ),
}


@checking.checker
def check_roc_auc(fn, show: bool = True) -> Feedback:
    """Check ``fn(scores, is_positive) -> float``: the ROC AUC, ties counted as one
    half."""
    return checking.judge(
        "ROC AUC", fn, _roc_cases(), roc_auc, same=_close,
        shape=lambda out, right, case: f"returned shape {np.shape(out)}, expected a "
                                       "single number (the area)",
        mistakes=_ROC_MISTAKES,
        differs_hints=["AUC = mean over all (positive, negative) pairs of [s_pos > "
                       "s_neg] + 0.5 * [s_pos == s_neg]"], show=show,
    )  # fmt: skip


# --------------------------------------------------------------------------
# Exercise: the reconstruction-error score
# --------------------------------------------------------------------------

_rng = np.random.default_rng(6)
# non-square on purpose: sum over BOTH pixel axes
_IMAGES = _rng.uniform(0.0, 1.0, (4, 3, 5))
_RECONS = np.clip(_IMAGES + _rng.normal(0.0, 0.3, _IMAGES.shape), 0.0, 1.0)


def _image_pair(rng, shape):
    images = rng.uniform(0.0, 1.0, shape)
    return images, np.clip(images + rng.normal(0.0, 0.3, shape), 0.0, 1.0)


def _error_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case((_IMAGES, _RECONS), "on the chosen images"),
        Case(_image_pair(rng, (3, 4, 6)), "on random images 4x6"),
        Case(_image_pair(rng, (5, 2, 7)), "on random images 2x7"),
    ]


def _error_shape(out, right, case) -> str:
    images = case.args[0]
    n, pixels = len(images), images[0].size
    shape = np.shape(out)
    if shape == ():
        return (
            "returned a single number for the whole batch: an anomaly score needs "
            "one number per image"
        )
    if shape in (images.shape, (n, pixels)):
        return (
            "returned one value per pixel: sum the squared errors over each "
            "image's pixels"
        )
    if shape in ((n, images.shape[1]), (n, images.shape[2])):
        return (
            "summed over only one pixel axis: sum over all the pixels of an image "
            "(both axes)"
        )
    return f"returned shape {shape}, expected {right.shape} (one score per image)"


def _flat_diff(x, r):
    return (x - r).reshape(len(x), -1)


_ERROR_MISTAKES = {
    "you averaged over the pixels; the exercise asks for the SUM (same ranking, but "
    "numbers H x W times smaller)": lambda x, r: reconstruction_error(x, r) / x[0].size,
    "you took the square root (the Euclidean distance); the exercise asks for the "
    "squared error": lambda x, r: np.sqrt(reconstruction_error(x, r)),
    "you used absolute differences; the "
    "exercise asks for squared differences": lambda x, r: np.abs(_flat_diff(x, r)).sum(
        axis=1
    ),
    "you summed the differences without squaring them: positive and negative errors "
    "cancel": lambda x, r: _flat_diff(x, r).sum(axis=1),
    "you squared the sum of the differences; square each pixel's difference first, "
    "then sum": lambda x, r: _flat_diff(x, r).sum(axis=1) ** 2,
}


@checking.checker
def check_reconstruction_error(fn, show: bool = True) -> Feedback:
    """Check ``fn(images, reconstructions) -> (N,)``: squared error summed over each
    image's pixels."""
    return checking.judge(
        "Reconstruction error",
        fn,
        _error_cases(),
        reconstruction_error,
        same=_close,
        shape=_error_shape,
        mistakes=_ERROR_MISTAKES,
        differs_hints=[
            "((images - reconstructions) ** 2).reshape(len(images), -1).sum(axis=1)"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# Exercise: distance to the nearest training image (memorisation check)
# --------------------------------------------------------------------------

_REFERENCE = _rng.uniform(0.0, 1.0, (7, 4, 4))
# the first one is a copy: distance 0
_QUERIES = np.concatenate([_REFERENCE[2:3], _rng.uniform(0.0, 1.0, (4, 4, 4))])


def _neighbour_case(rng, n_queries, n_reference, shape):
    reference = rng.uniform(0.0, 1.0, (n_reference, *shape))
    copy = reference[rng.integers(n_reference)][None]
    return np.concatenate(
        [copy, rng.uniform(0.0, 1.0, (n_queries - 1, *shape))]
    ), reference


def _neighbour_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case((_QUERIES, _REFERENCE), "on the chosen images"),
        Case(_neighbour_case(rng, 6, 9, (3, 5)), "on random images"),
        Case(_neighbour_case(rng, 3, 5, (6, 2)), "on other random images"),
    ]


def _all_distances(q, r):
    q, r = q.reshape(len(q), -1), r.reshape(len(r), -1)
    return np.sqrt(((q[:, None] - r[None]) ** 2).sum(axis=-1))  # (N_q, N_r)


def _neighbour_shape(out, right, case) -> str:
    queries, reference = case.args
    shape = np.shape(out)
    if shape == (len(reference),):
        return (f"returned {len(reference)} values, one per reference image: expected "
                f"one per QUERY ({len(queries)}); "
                "check the order of the arguments and the axis you take the minimum "
                "over")  # fmt: skip
    if shape == (len(queries), len(reference)):
        return (
            "returned the whole distance matrix: keep only the smallest distance "
            "of each query"
        )
    if shape == ():
        return "returned a single number: expected one distance per query image"
    return f"returned shape {shape}, expected {right.shape} (one distance per query)"


_NEIGHBOUR_MISTAKES = {
    "you returned squared distances: take the square root": lambda q, r: (
        nearest_neighbour_distance(q, r) ** 2
    ),
    "you returned the index of the nearest image, not its distance": lambda q, r: (
        _all_distances(q, r).argmin(axis=1).astype(float)
    ),
    "you averaged the distances to all reference images; the NEAREST one is the "
    "minimum": lambda q, r: _all_distances(q, r).mean(axis=1),
    "you took the largest distance; the "
    "nearest neighbour is the minimum": lambda q, r: _all_distances(q, r).max(axis=1),
    "you used the sum of absolute differences (L1); the exercise asks for the "
    "Euclidean (L2) distance": lambda q, r: (
        np.abs(q.reshape(len(q), 1, -1) - r.reshape(1, len(r), -1))
        .sum(axis=-1)
        .min(axis=1)
    ),
}


def _neighbour_diagnose(outs, rights, cases):
    if all(_close(o[1:], r[1:], atol=1e-6) for o, r in zip(outs, rights)):
        return [
            "the query that is an exact copy of a reference image must get "
            "distance 0: do not skip zero distances"
        ]
    return []


@checking.checker
def check_nearest_neighbour_distance(fn, show: bool = True) -> Feedback:
    """Check ``fn(queries, reference) -> (N_queries,)``: Euclidean distance to the
    nearest reference image."""
    return checking.judge(
        "Nearest-neighbour distance",
        fn,
        _neighbour_cases(),
        nearest_neighbour_distance,
        same=functools.partial(checking.close, rtol=1e-6, atol=1e-6),
        shape=_neighbour_shape,
        mistakes=_NEIGHBOUR_MISTAKES,
        diagnose=_neighbour_diagnose,
        differs_hints=[
            "flatten both, then np.sqrt(((q[:, None] - r[None]) ** "
            "2).sum(-1)).min(axis=1)"
        ],
        show=show,
    )
