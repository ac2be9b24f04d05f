"""Reference functions and exercise checkers for chapter 6: anomaly detection, augmentation, risks.

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
from aigc_course.exercises._feedback import Feedback, feedback

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
        raise ValueError(f"scores must be 1-D (one score per example), got shape {scores.shape}")
    if is_positive.shape != scores.shape:
        raise ValueError(f"is_positive must have the shape of scores {scores.shape}, got {is_positive.shape}")
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
    """Area under the ROC curve: P(score of a random positive > score of a random negative), ties count 1/2.

    Computed from ranks (the Mann-Whitney U statistic divided by P * N), so it
    needs no threshold.  0.5 is chance; 1 is perfect separation; below 0.5 the
    score points the wrong way.
    """
    scores, is_positive = _scores_and_labels(scores, is_positive)
    p, n = int(is_positive.sum()), int((~is_positive).sum())
    ranks = _average_ranks(scores)
    return float((ranks[is_positive].sum() - p * (p + 1) / 2) / (p * n))


def roc_curve(scores, is_positive) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)``: flag "positive" when ``score >= threshold``, for every distinct score.

    Starts at (0, 0) with threshold +inf and ends at (1, 1).  The trapezoid
    area under ``(fpr, tpr)`` equals :func:`roc_auc`.
    """
    scores, is_positive = _scores_and_labels(scores, is_positive)
    thresholds = np.unique(scores)[::-1]  # high to low
    pos, neg = np.sort(scores[is_positive]), np.sort(scores[~is_positive])
    tp = len(pos) - np.searchsorted(pos, thresholds, side="left")  # positives with score >= t
    fp = len(neg) - np.searchsorted(neg, thresholds, side="left")
    fpr = np.concatenate([[0.0], fp / len(neg)])
    tpr = np.concatenate([[0.0], tp / len(pos)])
    return fpr, tpr, np.concatenate([[np.inf], thresholds])


def _flat(images, name: str) -> np.ndarray:
    images = np.asarray(images, dtype=np.float64)
    if images.ndim < 2:
        raise ValueError(f"{name} must have shape (N, ...) with one image per row, got {images.shape}")
    return images.reshape(len(images), -1)


def reconstruction_error(images, reconstructions) -> np.ndarray:
    """Per-image squared error, summed over pixels: shape ``(N,)``."""
    x, r = _flat(images, "images"), _flat(reconstructions, "reconstructions")
    if x.shape != r.shape:
        raise ValueError(f"reconstructions must have the shape of images {x.shape}, got {r.shape}")
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
        raise ValueError(f"decoded must have shape (K, {len(x)}, ...) matching images, got {p.shape}")
    p = np.clip(p.reshape(len(p), len(x), -1), eps, 1 - eps)  # (K, N, H*W)
    nll = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=2).mean(axis=0)  # (N,)
    mean, log_var = np.asarray(z_mean, np.float64), np.asarray(z_log_var, np.float64)
    kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1)  # (N,)
    return nll + kl


def nearest_neighbour_distance(queries, reference, chunk: int = 512) -> np.ndarray:
    """Euclidean distance from each query image to its nearest image in ``reference``: shape ``(N_queries,)``."""
    q, r = _flat(queries, "queries"), _flat(reference, "reference")
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} pixels per image but reference has {r.shape[1]}")
    r_sq = (r**2).sum(axis=1)
    out = np.empty(len(q))
    for start in range(0, len(q), chunk):  # chunks keep the (queries x reference) matrix small
        block = q[start : start + chunk]
        d2 = (block**2).sum(axis=1)[:, None] + r_sq[None, :] - 2 * block @ r.T  # (chunk, N_ref)
        out[start : start + chunk] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out


# --------------------------------------------------------------------------
# Calling the reader's function safely
# --------------------------------------------------------------------------


# The reader's function is run and its answer compared by the shared helpers; these are this
# module's settings of them.
_call = checking.call
_close = functools.partial(checking.close, rtol=1e-6, atol=1e-8)
_first_match = functools.partial(checking.first_match, same=_close)


# --------------------------------------------------------------------------
# Exercise: ROC AUC
# --------------------------------------------------------------------------

# Ties across the classes on purpose (0.4 and 0.7), and unequal class sizes.
_SCORES = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.4, 0.9, 0.2, 0.7, 0.05, 0.6])
_POSITIVE = np.array([0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0], dtype=bool)


def _pair_counts(scores, is_positive):
    s_pos, s_neg = scores[is_positive][:, None], scores[~is_positive][None, :]
    return int((s_pos > s_neg).sum()), int((s_pos == s_neg).sum()), s_pos.size * s_neg.size


def check_roc_auc(fn, show: bool = True) -> Feedback:
    """Check ``fn(scores, is_positive) -> float``: the ROC AUC, ties counted as one half."""
    name = "ROC AUC"
    out, problem = _call(fn, _SCORES, _POSITIVE)
    if problem:
        return feedback(name, [problem], show=show)
    if out.shape != ():
        return feedback(name, [f"returned shape {out.shape}, expected a single number (the area)"], show=show)
    right = roc_auc(_SCORES, _POSITIVE)
    wins, ties, pairs = _pair_counts(_SCORES, _POSITIVE)
    if _close(out, right):
        # Right on the example; also right on perfect separation and on all-equal scores?
        perfect, _ = _call(fn, np.array([0.1, 0.2, 0.8, 0.9]), np.array([False, False, True, True]))
        flat, _ = _call(fn, np.full(4, 0.3), np.array([False, True, False, True]))
        ints, _ = _call(fn, _SCORES, _POSITIVE.astype(int))
        problems = []
        if perfect is None or not _close(perfect, 1.0):
            problems.append("scores that put every positive above every negative must give 1.0")
        if flat is None or not _close(flat, 0.5):
            problems.append("scores that are all equal carry no information and must give 0.5")
        if ints is None or not _close(ints, right):
            problems.append("labels given as 0/1 integers must give the same area as booleans")
        return feedback(name, problems, show=show)
    candidates = {
        "the direction is flipped: a HIGHER score must mean 'more likely positive' (you got 1 - AUC)": 1 - right,
        "ties between a positive and a negative must count as one half; you counted them as 0": wins / pairs,
        "ties between a positive and a negative must count as one half; you counted them as 1": (wins + ties) / pairs,
        "you counted the pairs but did not divide by their number (positives x negatives)": wins + 0.5 * ties,
        "you returned the fraction of positives, not an area": _POSITIVE.mean(),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [f"your area is {float(out):.4f}, expected {right:.4f}"]
    hints = [] if message else [
        "AUC = mean over all (positive, negative) pairs of [s_pos > s_neg] + 0.5 * [s_pos == s_neg]"
    ]
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# Exercise: the reconstruction-error score
# --------------------------------------------------------------------------

_rng = np.random.default_rng(6)
_IMAGES = _rng.uniform(0.0, 1.0, (4, 3, 5))  # non-square on purpose: sum over BOTH pixel axes
_RECONS = np.clip(_IMAGES + _rng.normal(0.0, 0.3, _IMAGES.shape), 0.0, 1.0)


def check_reconstruction_error(fn, show: bool = True) -> Feedback:
    """Check ``fn(images, reconstructions) -> (N,)``: squared error summed over each image's pixels."""
    name = "Reconstruction error"
    out, problem = _call(fn, _IMAGES, _RECONS)
    if problem:
        return feedback(name, [problem], show=show)
    right = reconstruction_error(_IMAGES, _RECONS)
    diff = _IMAGES - _RECONS
    n, pixels = len(_IMAGES), _IMAGES[0].size
    if _close(out, right):
        return feedback(name, [], show=show)
    if out.shape == ():
        return feedback(name, ["returned a single number for the whole batch: an anomaly score needs one number per image"], show=show)
    if out.shape in (_IMAGES.shape, (n, pixels)):
        return feedback(name, ["returned one value per pixel: sum the squared errors over each image's pixels"], show=show)
    if out.shape in ((n, _IMAGES.shape[1]), (n, _IMAGES.shape[2])):
        return feedback(name, ["summed over only one pixel axis: sum over all the pixels of an image (both axes)"], show=show)
    if out.shape != right.shape:
        return feedback(name, [f"returned shape {out.shape}, expected {right.shape} (one score per image)"], show=show)
    per_image = diff.reshape(n, -1)
    candidates = {
        "you averaged over the pixels; the exercise asks for the SUM (same ranking, but numbers {0} times smaller)".format(pixels): right / pixels,
        "you took the square root (the Euclidean distance); the exercise asks for the squared error": np.sqrt(right),
        "you used absolute differences; the exercise asks for squared differences": np.abs(per_image).sum(axis=1),
        "you summed the differences without squaring them: positive and negative errors cancel": per_image.sum(axis=1),
        "you squared the sum of the differences; square each pixel's difference first, then sum": per_image.sum(axis=1) ** 2,
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [f"values differ: first image {float(out[0]):.4f}, expected {right[0]:.4f}"]
    hints = [] if message else ["((images - reconstructions) ** 2).reshape(len(images), -1).sum(axis=1)"]
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# Exercise: distance to the nearest training image (memorisation check)
# --------------------------------------------------------------------------

_REFERENCE = _rng.uniform(0.0, 1.0, (7, 4, 4))
_QUERIES = np.concatenate([_REFERENCE[2:3], _rng.uniform(0.0, 1.0, (4, 4, 4))])  # the first one is a copy: distance 0


def check_nearest_neighbour_distance(fn, show: bool = True) -> Feedback:
    """Check ``fn(queries, reference) -> (N_queries,)``: Euclidean distance to the nearest reference image."""
    name = "Nearest-neighbour distance"
    out, problem = _call(fn, _QUERIES, _REFERENCE)
    if problem:
        return feedback(name, [problem], show=show)
    right = nearest_neighbour_distance(_QUERIES, _REFERENCE)
    if _close(out, right, atol=1e-6):
        return feedback(name, [], show=show)
    q, r = _QUERIES.reshape(len(_QUERIES), -1), _REFERENCE.reshape(len(_REFERENCE), -1)
    d = np.sqrt(((q[:, None] - r[None]) ** 2).sum(axis=-1))  # (N_q, N_r)
    if out.shape == (len(_REFERENCE),):
        return feedback(name, [
            f"returned {len(_REFERENCE)} values, one per reference image: expected one per QUERY ({len(_QUERIES)}); "
            "check the order of the arguments and the axis you take the minimum over"
        ], show=show)
    if out.shape == d.shape:
        return feedback(name, ["returned the whole distance matrix: keep only the smallest distance of each query"], show=show)
    if out.shape == ():
        return feedback(name, ["returned a single number: expected one distance per query image"], show=show)
    if out.shape != right.shape:
        return feedback(name, [f"returned shape {out.shape}, expected {right.shape} (one distance per query)"], show=show)
    candidates = {
        "you returned squared distances: take the square root": right**2,
        "you returned the index of the nearest image, not its distance": d.argmin(axis=1).astype(float),
        "you averaged the distances to all reference images; the NEAREST one is the minimum": d.mean(axis=1),
        "you took the largest distance; the nearest neighbour is the minimum": d.max(axis=1),
        "you used the sum of absolute differences (L1); the exercise asks for the Euclidean (L2) distance": np.abs(
            q[:, None] - r[None]
        ).sum(axis=-1).min(axis=1),
    }
    message = _first_match(out, candidates)
    if message is None and _close(out[1:], right[1:], atol=1e-6):
        message = "the query that is an exact copy of a reference image must get distance 0: do not skip zero distances"
    problems = [message] if message else [f"values differ: got {np.round(out, 4).tolist()}, expected {np.round(right, 4).tolist()}"]
    hints = [] if message else ["flatten both, then np.sqrt(((q[:, None] - r[None]) ** 2).sum(-1)).min(axis=1)"]
    return feedback(name, problems, hints, show=show)
