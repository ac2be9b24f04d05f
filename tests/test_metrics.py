"""aigc_course.evaluation.metrics against answers known in closed form."""

import math

import numpy as np
import pytest

from aigc_course.evaluation import metrics


def _rng():
    return np.random.default_rng(0)


# --------------------------------------------------------------------------
# Fréchet distance
# --------------------------------------------------------------------------


def test_frechet_zero_for_identical_gaussians():
    a = _rng().standard_normal((50, 6))
    mu, sigma = metrics.gaussian_statistics(a)
    assert metrics.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(
        0.0, abs=1e-9
    )
    assert metrics.frechet_distance_from_features(a, a) == pytest.approx(0.0, abs=1e-9)


def test_frechet_closed_form_for_diagonal_covariances():
    # Diagonal covariances commute, so the formula reduces to sums:
    # ||mu1 - mu2||^2 + sum_i (s1_i + s2_i - 2 sqrt(s1_i s2_i)) = ||mu1 - mu2||^2 +
    # sum_i (sqrt(s1_i) - sqrt(s2_i))^2
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    var1, var2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    expected = 1.0 + 0.0 + 4.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + 0.0
    got = metrics.frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-10)
    assert expected == 7.0


def test_frechet_one_dimension_is_wasserstein_of_normals():
    # In 1-D: (m1 - m2)^2 + (s1 - s2)^2 for standard deviations s1, s2.
    got = metrics.frechet_distance([3.0], [[0.25]], [1.0], [[4.0]])
    assert got == pytest.approx((3 - 1) ** 2 + (0.5 - 2) ** 2)


def test_frechet_full_covariance_matches_scipy_sqrtm():
    from scipy import linalg

    rng = _rng()
    a, b = rng.standard_normal((5, 5)), rng.standard_normal((5, 5))
    sigma1, sigma2 = a @ a.T + 0.1 * np.eye(5), b @ b.T + 0.1 * np.eye(5)
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    covmean = linalg.sqrtm(sigma1 @ sigma2).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2 * covmean)
    assert metrics.frechet_distance(mu1, sigma1, mu2, sigma2) == pytest.approx(
        expected, rel=1e-8
    )


def test_frechet_is_symmetric_and_grows_with_shift():
    rng = _rng()
    a = rng.standard_normal((200, 4))
    b = rng.standard_normal((200, 4)) + 0.5
    c = rng.standard_normal((200, 4)) + 2.0
    assert metrics.frechet_distance_from_features(a, b) == pytest.approx(
        metrics.frechet_distance_from_features(b, a)
    )
    assert metrics.frechet_distance_from_features(
        a, c
    ) > metrics.frechet_distance_from_features(a, b)


def test_frechet_singular_covariances_are_fine():
    # Fewer samples than dimensions: rank-deficient covariances, still a finite distance
    # >= 0.
    rng = _rng()
    distance = metrics.frechet_distance_from_features(
        rng.standard_normal((5, 20)), rng.standard_normal((7, 20))
    )
    assert np.isfinite(distance) and distance >= 0


# --------------------------------------------------------------------------
# Precision, recall, density, coverage
# --------------------------------------------------------------------------


def test_precision_recall_one_for_identical_sets():
    a = _rng().standard_normal((100, 5))
    assert metrics.precision_recall(a, a.copy()) == (1.0, 1.0)


def test_precision_recall_zero_for_disjoint_sets():
    rng = _rng()
    real = rng.standard_normal((100, 5))
    fake = rng.standard_normal((100, 5)) + 100.0
    precision, recall = metrics.precision_recall(real, fake)
    assert precision == 0.0 and recall == 0.0


def test_precision_high_recall_low_for_mode_collapse():
    # Fakes that sit on one real mode are realistic (precision) but miss the other mode
    # (recall).
    rng = _rng()
    real = np.concatenate(
        [rng.standard_normal((100, 2)), rng.standard_normal((100, 2)) + 20.0]
    )
    fake = rng.standard_normal((200, 2))
    precision, recall = metrics.precision_recall(real, fake)
    assert precision > 0.9
    assert 0.3 < recall < 0.6


def test_density_coverage_for_identical_and_disjoint_sets():
    rng = _rng()
    real = rng.standard_normal((100, 5))
    density, coverage = metrics.density_coverage(real, real.copy())
    assert coverage == 1.0
    # Every point lies in its own ball and in at least k others' (its k neighbours'
    # balls need not contain it, so only a loose bound holds); about 1 for matching
    # sets.
    assert 0.8 < density < 1.5
    assert metrics.density(real, real + 100.0) == 0.0
    assert metrics.coverage(real, real + 100.0) == 0.0


def test_density_counts_balls_exactly():
    # Real points on a line at 0, 1, 2, 3 with k=1: every radius is 1.
    real = np.array([[0.0], [1.0], [2.0], [3.0]])
    fake = np.array([[1.5]])  # inside the balls of 1 and 2 only
    density, coverage = metrics.density_coverage(real, fake, k=1)
    assert density == pytest.approx(2 / (1 * 1))
    assert coverage == pytest.approx(2 / 4)


# --------------------------------------------------------------------------
# Class metrics
# --------------------------------------------------------------------------


def _one_hot(labels, classes=10, confidence=1.0):
    probs = np.full((len(labels), classes), (1.0 - confidence) / (classes - 1))
    probs[np.arange(len(labels)), labels] = confidence
    return probs


def test_class_entropy_is_log_classes_for_balanced_predictions():
    probs = _one_hot(np.repeat(np.arange(10), 7))
    assert metrics.class_entropy(probs) == pytest.approx(math.log(10))


def test_class_entropy_is_zero_for_one_class():
    entropy = metrics.class_entropy(_one_hot(np.full(30, 4)))
    assert entropy == 0.0 and str(entropy) == "0.0"  # not -0.0


def test_confident_fraction_counts_threshold_inclusive():
    probs = np.concatenate(
        [
            _one_hot([0, 1, 2], confidence=0.95),
            _one_hot([3], confidence=0.9),
            _one_hot([4], confidence=0.5),
        ]
    )
    assert metrics.confident_fraction(probs) == pytest.approx(4 / 5)
    assert metrics.confident_fraction(probs, threshold=0.99) == 0.0


def test_inception_style_score_equals_classes_for_confident_uniform_predictions():
    probs = _one_hot(np.repeat(np.arange(10), 5))
    assert metrics.inception_style_score(probs) == pytest.approx(10.0, rel=1e-6)


def test_inception_style_score_is_one_for_identical_predictions():
    probs = np.tile(np.array([[0.5, 0.3, 0.2]]), (20, 1))
    assert metrics.inception_style_score(probs) == pytest.approx(1.0)
    assert metrics.inception_style_score(_one_hot(np.full(20, 3))) == pytest.approx(1.0)


# --------------------------------------------------------------------------
# Bad input: ValueError naming the argument
# --------------------------------------------------------------------------


def test_mismatched_feature_dimensions():
    rng = _rng()
    with pytest.raises(
        ValueError,
        match="features1 and features2 must have the same "
        "feature dimension, got 3 and 4",
    ):
        metrics.frechet_distance_from_features(
            rng.standard_normal((10, 3)), rng.standard_normal((10, 4))
        )
    with pytest.raises(ValueError, match="real_features and fake_features"):
        metrics.precision_recall(
            rng.standard_normal((10, 3)), rng.standard_normal((10, 4))
        )
    with pytest.raises(ValueError, match="real_features and fake_features"):
        metrics.density_coverage(
            rng.standard_normal((10, 3)), rng.standard_normal((10, 4))
        )


def test_mismatched_gaussian_shapes():
    with pytest.raises(ValueError, match="mu1 and mu2 must have the same length"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match=r"sigma2 must have shape \(3, 3\)"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2))
    with pytest.raises(ValueError, match="sigma1 must be a symmetric"):
        metrics.frechet_distance(
            np.zeros(2), [[1.0, 0.5], [0.0, 1.0]], np.zeros(2), np.eye(2)
        )


def test_too_few_samples_for_a_covariance():
    with pytest.raises(ValueError, match="features2 needs at least 2 samples"):
        metrics.frechet_distance_from_features(np.zeros((5, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="real_features needs more than k=3 samples"):
        metrics.precision_recall(np.zeros((3, 2)), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="fake_features needs more than k=3 samples"):
        metrics.precision_recall(np.zeros((10, 2)), np.zeros((2, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf(bad):
    a = _rng().standard_normal((10, 3))
    b = a.copy()
    b[2, 1] = bad
    with pytest.raises(ValueError, match="features2 holds 1 NaN or infinite"):
        metrics.frechet_distance_from_features(a, b)
    with pytest.raises(ValueError, match="fake_features holds 1 NaN"):
        metrics.precision_recall(a, b)
    with pytest.raises(ValueError, match="mu1 holds 1 NaN"):
        metrics.frechet_distance([bad, 0.0], np.eye(2), [0.0, 0.0], np.eye(2))


def test_wrong_ndim_and_empty():
    with pytest.raises(
        ValueError,
        match=r"features1 must have shape \(N, D\), got an "
        r"array of shape \(10,\)",
    ):
        metrics.frechet_distance_from_features(np.zeros(10), np.zeros((10, 1)))
    with pytest.raises(ValueError, match="real_features is empty"):
        metrics.precision_recall(np.zeros((0, 3)), np.zeros((10, 3)))
    with pytest.raises(ValueError, match=r"probs must have shape \(N, D\)"):
        metrics.class_entropy(np.zeros(10))
    with pytest.raises(ValueError, match="probs is empty"):
        metrics.confident_fraction(np.zeros((0, 10)))


def test_probabilities_are_checked():
    with pytest.raises(ValueError, match="probs rows must sum to 1"):
        metrics.inception_style_score(np.ones((4, 10)))
    with pytest.raises(
        ValueError, match="probs must be probabilities, but holds negative"
    ):
        metrics.class_entropy(np.array([[1.5, -0.5], [0.5, 0.5]]))
    with pytest.raises(ValueError, match="threshold must be a number in"):
        metrics.confident_fraction(_one_hot([1, 2]), threshold=1.5)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        metrics.precision_recall(np.zeros((10, 2)), np.zeros((10, 2)), k=0)


def test_preference_test_matches_scipy_wilson_and_binomial():
    from scipy import stats

    for wins, n in [(58, 100), (0, 10), (10, 10), (31, 50)]:
        out = metrics.preference_test(wins, n)
        ci = stats.binomtest(wins, n).proportion_ci(0.95, "wilson")
        assert out["win_rate"] == wins / n
        assert (out["low"], out["high"]) == pytest.approx((ci.low, ci.high), abs=1e-12)
        assert out["p_value"] == pytest.approx(stats.binomtest(wins, n, 0.5).pvalue)
        assert 0 <= out["low"] <= out["win_rate"] <= out["high"] <= 1


def test_judgements_needed_gives_the_promised_power():
    n = metrics.judgements_needed(0.6)
    assert n == 194  # ((1.96 * 0.5 + 0.8416 * sqrt(0.24)) / 0.1) ** 2 = 193.8
    rng = np.random.default_rng(0)
    wins = rng.binomial(n, 0.6, size=4000)
    found = np.mean(
        [metrics.preference_test(int(w), n)["p_value"] < 0.05 for w in wins[:1000]]
    )
    assert 0.75 < found < 0.85  # power 0.8, by simulation
    # half the effect, 4x the work
    assert metrics.judgements_needed(0.55) > 4 * metrics.judgements_needed(0.6) - 10


def test_human_evaluation_bad_input():
    with pytest.raises(ValueError, match="wins must be at most n=10, got 11"):
        metrics.preference_test(11, 10)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        metrics.preference_test(0, 0)
    with pytest.raises(
        ValueError, match="win_rate must lie in \\(0, 1\\) and differ from 0.5"
    ):
        metrics.judgements_needed(0.5)
    with pytest.raises(ValueError, match="power must be a number in"):
        metrics.judgements_needed(0.6, power=1.0)


def test_cohens_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    for _ in range(5):
        a = rng.integers(0, 2, 40)
        b = np.where(rng.random(40) < 0.7, a, 1 - a)  # agrees about 70% of the time
        assert metrics.cohens_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    letters = np.array(list("LRRLLRLR"))
    assert metrics.cohens_kappa(letters, letters) == 1.0
    assert metrics.cohens_kappa(letters, np.where(letters == "L", "R", "L")) < 0
    # sklearn's NaN too: nothing was judged
    assert np.isnan(metrics.cohens_kappa([1, 1, 1], [1, 1, 1]))
    # one rater constant: agreement is chance
    assert metrics.cohens_kappa([1, 1, 1, 1], [1, 1, 1, 0]) == 0.0
    with pytest.raises(
        ValueError,
        match="first and second must be 1-D label arrays of the same non-zero length",
    ):
        metrics.cohens_kappa([0, 1], [0, 1, 1])
