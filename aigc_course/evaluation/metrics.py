"""Framework-free quality metrics for generative models: NumPy in, floats out.

Two families:

* **Set metrics** compare a set of generated feature vectors with a set of real
  ones: the Fréchet distance between Gaussians fitted to each set, precision
  and recall (Kynkäänniemi et al., 2019) and density and coverage (Naeem et
  al., 2020).  Which features are compared is the caller's choice; the course
  uses its own digits classifier (:mod:`aigc_course.evaluation.classifier`), so a
  Fréchet distance computed here is *not* FID, which means Inception-v3
  features of ImageNet-sized images.
* **Class metrics** read a classifier's probabilities for generated images:
  how many are classified confidently, how evenly the classes are covered
  (``class_entropy``) and an Inception-Score-style score.
* **Human evaluation** reads people's choices in a blind A/B test: how sure a
  win rate is (``preference_test``), how many judgements a test needs
  (``judgements_needed``) and how well two sets of judgements agree (``cohens_kappa``).

Every function checks its input and raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import numpy as np

from aigc_course.core.checks import check_float, check_int

__all__ = [
    "class_entropy",
    "cohens_kappa",
    "confident_fraction",
    "coverage",
    "density",
    "density_coverage",
    "frechet_distance",
    "frechet_distance_from_features",
    "gaussian_statistics",
    "inception_style_score",
    "judgements_needed",
    "precision_recall",
    "preference_test",
]

# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _as_finite(name: str, value, ndim: int) -> np.ndarray:
    """``value`` as a float64 array of ``ndim`` dimensions, non-empty and finite."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must be a numeric array, got {type(value).__name__}: {error}"
        ) from None
    if array.ndim != ndim:
        shape = {1: "(D,)", 2: "(N, D)"}.get(ndim, f"{ndim} dimensions")
        raise ValueError(
            f"{name} must have shape {shape}, got an array of shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.all(np.isfinite(array)):
        bad = int(np.sum(~np.isfinite(array)))
        raise ValueError(f"{name} holds {bad} NaN or infinite value(s)")
    return array


def _check_features(name: str, features, min_samples: int = 1) -> np.ndarray:
    """Features of shape ``(N, D)`` with at least ``min_samples`` rows."""
    features = _as_finite(name, features, 2)
    if len(features) < min_samples:
        raise ValueError(
            f"{name} needs at least {min_samples} samples (rows), got {len(features)}"
        )
    return features


def _check_same_dim(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same feature dimension, got "
            f"{a.shape[-1]} and {b.shape[-1]}"
        )


def _check_k(k, n_real: int, real_name: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if n_real <= k:
        raise ValueError(
            f"{real_name} needs more than k={k} samples to find k "
            f"nearest neighbours, got {n_real}"
        )
    return int(k)


def _check_probs(name: str, probs) -> np.ndarray:
    """Class probabilities of shape ``(N, C)``: non-negative rows that sum to 1."""
    probs = _as_finite(name, probs, 2)
    if probs.shape[1] < 2:
        raise ValueError(
            f"{name} must have at least 2 classes (columns), got shape {probs.shape}"
        )
    if np.any(probs < 0):
        raise ValueError(
            f"{name} must be probabilities, but holds negative values "
            f"(min {probs.min():.3g})"
        )
    sums = probs.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-3):
        worst = sums[np.argmax(np.abs(sums - 1.0))]
        raise ValueError(
            f"{name} rows must sum to 1 (softmax outputs, not logits); a "
            f"row sums to {worst:.4g}"
        )
    return probs


# --------------------------------------------------------------------------
# Fréchet distance
# --------------------------------------------------------------------------


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix, by
    eigen-decomposition."""
    values, vectors = np.linalg.eigh(matrix)
    # round-off can make zero eigenvalues slightly negative
    values = np.clip(values, 0.0, None)
    return (vectors * np.sqrt(values)) @ vectors.T


def _check_covariance(name: str, sigma: np.ndarray, d: int) -> None:
    """``sigma`` must be ``(d, d)``, symmetric and positive semi-definite (up to
    round-off)."""
    if sigma.shape != (d, d):
        raise ValueError(
            f"{name} must have shape ({d}, {d}) to match the means, got {sigma.shape}"
        )
    if not np.allclose(sigma, sigma.T, rtol=1e-5, atol=1e-8):
        asymmetry = float(np.max(np.abs(sigma - sigma.T)))
        raise ValueError(
            f"{name} must be a symmetric covariance matrix, got max "
            f"|{name} - {name}.T| = {asymmetry:.3g}"
        )
    eigenvalues = np.linalg.eigvalsh((sigma + sigma.T) / 2)
    # Round-off in np.cov can leave zero eigenvalues slightly negative; a real negative
    # variance cannot.
    tolerance = 1e-6 * max(float(np.max(np.abs(eigenvalues))), np.finfo(float).tiny)
    if eigenvalues[0] < -tolerance:
        raise ValueError(
            f"{name} must be positive semi-definite (a covariance matrix has no "
            "negative variances), "
            f"got an eigenvalue of {eigenvalues[0]:.4g}"
        )


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet (2-Wasserstein) distance squared between two Gaussians.

    ``d^2 = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``
    (Dowson & Landau, 1982; the formula behind FID).

    The trace of ``(sigma1 sigma2)^(1/2)`` is computed as the trace of the
    symmetric ``(s1^(1/2) sigma2 s1^(1/2))^(1/2)``, which has the same
    eigenvalues, so no complex round-off appears (unlike ``scipy.linalg.sqrtm``
    of the non-symmetric product).

    Args:
        mu1, mu2: means, shape ``(D,)``.
        sigma1, sigma2: covariance matrices, shape ``(D, D)``, symmetric
            positive semi-definite.

    Returns:
        The squared distance (a float >= 0), as FID reports it.
    """
    mu1 = _as_finite("mu1", mu1, 1)
    mu2 = _as_finite("mu2", mu2, 1)
    sigma1 = _as_finite("sigma1", sigma1, 2)
    sigma2 = _as_finite("sigma2", sigma2, 2)
    d = len(mu1)
    if len(mu2) != d:
        raise ValueError(
            f"mu1 and mu2 must have the same length, got {len(mu1)} and {len(mu2)}"
        )
    for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
        _check_covariance(name, sigma, d)
    sqrt_sigma1 = _sqrt_psd((sigma1 + sigma1.T) / 2)
    middle = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt_product = np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None)))
    diff = mu1 - mu2
    distance = (
        diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product
    )
    # round-off can leave -1e-12 for identical Gaussians
    return float(max(distance, 0.0))


def gaussian_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(D,)`` and covariance ``(D, D)`` (unbiased, ``N - 1``) of ``features (N,
    D)``."""
    features = _check_features("features", features, min_samples=2)
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(
        features.shape[1], features.shape[1]
    )


def frechet_distance_from_features(features1, features2) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``(N1, D)`` and
    ``(N2, D)``.

    The estimate is biased upwards for small sets (it is not 0 for two samples
    of one distribution) and the bias depends on ``N``: compare scores
    computed with the same numbers of samples.
    """
    features1 = _check_features("features1", features1, min_samples=2)
    features2 = _check_features("features2", features2, min_samples=2)
    _check_same_dim("features1", features1, "features2", features2)
    mu1, sigma1 = gaussian_statistics(features1)
    mu2, sigma2 = gaussian_statistics(features2)
    return frechet_distance(mu1, sigma1, mu2, sigma2)


# --------------------------------------------------------------------------
# k-nearest-neighbour manifolds: precision, recall, density, coverage
# --------------------------------------------------------------------------


def _pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances ``(len(a), len(b))``."""
    from scipy.spatial.distance import cdist

    return cdist(a, b)


def _knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Distance from each point to its k-th nearest *other* point in the same set."""
    distances = _pairwise_distances(features, features)  # (N, N), zeros on the diagonal
    # Column 0 after sorting is the point itself (distance 0), so the k-th
    # neighbour sits in column k.
    return np.partition(distances, k, axis=1)[:, k]


def precision_recall(real_features, fake_features, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall for generative models (Kynkäänniemi et al., 2019).

    Each set's manifold is the union of balls around its points, each ball
    reaching the point's k-th nearest neighbour in the same set.

    * precision: fraction of fake samples inside the real manifold (are the
      samples realistic?);
    * recall: fraction of real samples inside the fake manifold (is the real
      variety covered?).

    Args:
        real_features: ``(N, D)``, more than ``k`` rows.
        fake_features: ``(M, D)``, more than ``k`` rows.
        k: neighbours that set each ball's radius; the paper uses 3.

    Returns:
        ``(precision, recall)``, each in [0, 1].
    """
    real = _check_features("real_features", real_features)
    fake = _check_features("fake_features", fake_features)
    _check_same_dim("real_features", real, "fake_features", fake)
    k = _check_k(k, len(real), "real_features")
    _check_k(k, len(fake), "fake_features")
    real_radii = _knn_radii(real, k)  # (N,)
    fake_radii = _knn_radii(fake, k)  # (M,)
    distances = _pairwise_distances(real, fake)  # (N, M)
    precision = np.mean(np.any(distances <= real_radii[:, None], axis=0))
    recall = np.mean(np.any(distances <= fake_radii[None, :], axis=1))
    return float(precision), float(recall)


def density_coverage(real_features, fake_features, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al., 2020), from balls around the real samples
    only.

    * density: how many real-sample balls contain each fake sample, on
      average, divided by ``k``; about 1 when fake and real are alike, above 1
      when fakes crowd where real samples are dense.  Unbounded.
    * coverage: fraction of real samples whose ball contains at least one
      fake sample; in [0, 1].  Both use balls around real samples only, so a
      few stray fake samples cannot inflate them (recall's balls sit around the fakes).

    Args:
        real_features: ``(N, D)``, more than ``k`` rows.
        fake_features: ``(M, D)``.
        k: neighbours that set each real ball's radius; the paper uses 5.

    Returns:
        ``(density, coverage)``.
    """
    real = _check_features("real_features", real_features)
    fake = _check_features("fake_features", fake_features)
    _check_same_dim("real_features", real, "fake_features", fake)
    k = _check_k(k, len(real), "real_features")
    real_radii = _knn_radii(real, k)  # (N,)
    inside = _pairwise_distances(real, fake) <= real_radii[:, None]  # (N, M)
    density_value = inside.sum() / (k * fake.shape[0])
    coverage_value = np.mean(inside.any(axis=1))
    return float(density_value), float(coverage_value)


def density(real_features, fake_features, k: int = 5) -> float:
    """Density of Naeem et al. (2020); see :func:`density_coverage`."""
    return density_coverage(real_features, fake_features, k)[0]


def coverage(real_features, fake_features, k: int = 5) -> float:
    """Coverage of Naeem et al. (2020); see :func:`density_coverage`."""
    return density_coverage(real_features, fake_features, k)[1]


# --------------------------------------------------------------------------
# Class metrics, from a classifier's probabilities
# --------------------------------------------------------------------------


def confident_fraction(probs, threshold: float = 0.9) -> float:
    """Fraction of samples whose top class probability is at least ``threshold``.

    Args:
        probs: class probabilities ``(N, C)`` (rows sum to 1).
        threshold: in (0, 1]; 0.9 by default.
    """
    probs = _check_probs("probs", probs)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float, np.floating))
        or not 0 < threshold <= 1
    ):
        raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
    return float(np.mean(probs.max(axis=1) >= threshold))


def class_entropy(probs) -> float:
    """Entropy, in nats, of the histogram of predicted classes (argmax of each row).

    ``log(C)`` (2.303 for 10 digits) when every class is predicted equally
    often; 0 when every sample gets the same class (total mode collapse).

    Args:
        probs: class probabilities ``(N, C)`` (rows sum to 1).
    """
    probs = _check_probs("probs", probs)
    counts = np.bincount(probs.argmax(axis=1), minlength=probs.shape[1])
    share = counts[counts > 0] / counts.sum()
    # + 0.0 turns -0.0 (one class) into 0.0
    return float(-np.sum(share * np.log(share))) + 0.0


def inception_style_score(probs, eps: float = 1e-12) -> float:
    """``exp(E_x KL(p(y|x) || p(y)))``, the Inception Score's formula (Salimans et al.,
    2016).

    Computed from *the given classifier's* probabilities, so it is not the
    Inception Score unless that classifier is Inception-v3 on ImageNet.  It
    runs from 1 (every sample gets the same prediction) to the number of
    classes (each sample confidently one class, all classes equally often).

    Args:
        probs: class probabilities ``(N, C)`` (rows sum to 1).
        eps: added inside the logarithms so that zero probabilities count as 0.
    """
    probs = _check_probs("probs", probs)
    marginal = probs.mean(axis=0, keepdims=True)  # p(y), (1, C)
    kl = np.sum(probs * (np.log(probs + eps) - np.log(marginal + eps)), axis=1)  # (N,)
    return float(np.exp(np.mean(kl)))


# --------------------------------------------------------------------------
# Human evaluation: two-alternative forced choice
# --------------------------------------------------------------------------


def preference_test(wins, n, confidence: float = 0.95) -> dict[str, float]:
    """How sure a blind A/B test is: ``wins`` preferences for A out of ``n`` judgements.

    Each judgement shows one sample of A and one of B, side by side in random
    order, and the rater must pick one (a two-alternative forced choice).  If
    people had no preference, each pick would be a coin toss.

    Returns:
        ``win_rate`` (wins / n); ``low`` and ``high``, the Wilson score interval
        for the true win rate at ``confidence``; ``p_value``, the exact two-sided
        binomial test of "no preference" (a win rate of 0.5).
    """
    from scipy import stats

    n = check_int("n", n)
    wins = check_int("wins", wins, minimum=0)
    if wins > n:
        raise ValueError(f"wins must be at most n={n}, got {wins}")
    confidence = check_float("confidence", confidence, 0.0, 1.0, high_open=True)
    if confidence == 0:
        raise ValueError("confidence must be a number in (0, 1), got 0")
    p, z = wins / n, stats.norm.ppf(0.5 + confidence / 2)
    # Wilson (1927): the interval stays inside [0, 1]
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return {
        "win_rate": float(p),
        # the exact ends, which rounding misses
        "low": 0.0 if wins == 0 else float(centre - half),
        "high": 1.0 if wins == n else float(centre + half),
        "p_value": float(stats.binomtest(wins, n, 0.5).pvalue),
    }


def judgements_needed(
    win_rate: float, confidence: float = 0.95, power: float = 0.8
) -> int:
    """Judgements an A/B test needs to tell a true ``win_rate`` from no preference
    (0.5).

    The usual normal approximation: with this many judgements, a two-sided test
    at ``confidence`` finds the difference with probability ``power``.
    """
    from scipy import stats

    p = check_float("win_rate", win_rate, 0.0, 1.0)
    if p in (0.0, 0.5, 1.0):
        raise ValueError(
            f"win_rate must lie in (0, 1) and differ from 0.5, got {win_rate!r}"
        )
    confidence = check_float("confidence", confidence, 0.0, 1.0, high_open=True)
    power = check_float("power", power, 0.0, 1.0, high_open=True)
    z_a, z_b = stats.norm.ppf(0.5 + confidence / 2), stats.norm.ppf(power)
    return int(np.ceil(((z_a * 0.5 + z_b * np.sqrt(p * (1 - p))) / (p - 0.5)) ** 2))


def cohens_kappa(first, second) -> float:
    """Agreement of two sets of labels for the same items, beyond what chance would give
    (Cohen, 1960).

    ``(p_o - p_e) / (1 - p_e)``: ``p_o`` is the fraction of items given the same label,
    ``p_e`` the fraction two raters with these label frequencies would share by
    chance.  1 is perfect agreement, 0 no better than chance; NaN when both gave
    every item one and the same label (then nothing was judged).  Use it for two
    raters, or for one rater judging the same pairs twice.
    """
    first, second = np.asarray(first), np.asarray(second)
    if first.ndim != 1 or first.shape != second.shape or len(first) == 0:
        raise ValueError(
            "first and second must be 1-D label arrays of the same non-zero length, "
            f"got shapes {first.shape} and {second.shape}"
        )
    labels = np.union1d(first, second)
    p_o = np.mean(first == second)
    p_e = sum(np.mean(first == c) * np.mean(second == c) for c in labels)
    # one and the same label for everything, from both: chance alone explains the
    # agreement
    if p_e == 1:
        return float("nan")
    return float((p_o - p_e) / (1 - p_e))
