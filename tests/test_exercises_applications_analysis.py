"""Chapter 6 (anomaly detection, augmentation, risks): reference functions and
checkers."""

import numpy as np
import pytest

from aigc_course.exercises import applications_analysis as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert any(fragment in p for p in result.problems), result.problems


# ---- reference functions ----------------------------------------------------------


def test_roc_auc_matches_pair_counting_and_scikit_learn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 6, 300).astype(float)  # many ties
    positive = rng.random(300) < 0.3
    pos, neg = scores[positive][:, None], scores[~positive][None, :]
    by_pairs = ((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size)
    assert np.isclose(ex.roc_auc(scores, positive), by_pairs)
    assert np.isclose(
        ex.roc_auc(scores, positive), sklearn_metrics.roc_auc_score(positive, scores)
    )


def test_roc_curve_area_is_roc_auc_and_ends_at_corners():
    rng = np.random.default_rng(1)
    scores, positive = rng.normal(size=200).round(1), rng.random(200) < 0.4
    fpr, tpr, thresholds = ex.roc_curve(scores, positive)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert (
        np.all(np.diff(fpr) >= 0)
        and np.all(np.diff(tpr) >= 0)
        and np.isinf(thresholds[0])
    )
    assert np.isclose(np.trapezoid(tpr, fpr), ex.roc_auc(scores, positive))


@pytest.mark.parametrize(
    "scores, positive, fragment",
    [
        (np.zeros((2, 2)), np.zeros((2, 2)), "scores must be 1-D"),
        (np.zeros(3), np.zeros(2), "is_positive must have the shape"),
        (np.zeros(3), np.array([0, 2, 1]), "booleans or 0/1"),
        (np.zeros(3), np.ones(3), "both positives and negatives"),
        (np.array([0.0, np.nan]), np.array([0, 1]), "NaN"),
    ],
)
def test_roc_auc_bad_input(scores, positive, fragment):
    with pytest.raises(ValueError, match=fragment):
        ex.roc_auc(scores, positive)


def test_reconstruction_error_and_nearest_neighbour_reference():
    rng = np.random.default_rng(2)
    a, b = rng.random((5, 3, 3)), rng.random((8, 3, 3))
    assert np.allclose(ex.reconstruction_error(a, a * 0), (a**2).sum(axis=(1, 2)))
    brute = np.sqrt(((a.reshape(5, 1, -1) - b.reshape(1, 8, -1)) ** 2).sum(-1)).min(1)
    assert np.allclose(ex.nearest_neighbour_distance(a, b, chunk=2), brute)
    assert np.allclose(ex.nearest_neighbour_distance(b[:3], b), 0.0, atol=1e-6)
    with pytest.raises(ValueError, match="reconstructions must have the shape"):
        ex.reconstruction_error(a, b)
    with pytest.raises(ValueError, match="pixels per image"):
        ex.nearest_neighbour_distance(a, rng.random((2, 4, 4)))


def test_negative_elbo_is_reconstruction_plus_kl():
    rng = np.random.default_rng(3)
    x = (rng.random((4, 2, 2)) > 0.5).astype(float)
    probs = rng.uniform(0.1, 0.9, (3, 4, 2, 2))
    mean, log_var = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    nll = (
        -(x * np.log(probs) + (1 - x) * np.log(1 - probs))
        .reshape(3, 4, -1)
        .sum(-1)
        .mean(0)
    )
    kl = 0.5 * (np.exp(log_var) + mean**2 - 1 - log_var).sum(1)
    assert np.allclose(ex.negative_elbo(x, probs, mean, log_var), nll + kl)
    # KL to itself is 0
    assert np.allclose(
        ex.negative_elbo(x, probs, np.zeros((4, 2)), np.zeros((4, 2))), nll
    )
    with pytest.raises(ValueError, match="decoded must have shape"):
        ex.negative_elbo(x, probs[:, :3], mean, log_var)


# ---- check_roc_auc ------------------------------------------------------------------


def auc_right(scores, positive):
    positive = np.asarray(positive).astype(bool)
    pos, neg = scores[positive][:, None], scores[~positive][None, :]
    return ((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size)


def _pairs(scores, positive):
    positive = np.asarray(positive).astype(bool)
    return scores[positive][:, None], scores[~positive][None, :]


def test_roc_auc_right_answers_pass(capsys):
    assert ex.check_roc_auc(auc_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_roc_auc(ex.roc_auc, show=False).passed
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    assert ex.check_roc_auc(
        lambda s, y: sklearn_metrics.roc_auc_score(y, s), show=False
    ).passed


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda s, y: 1 - auc_right(s, y), "direction is flipped"),
        (
            lambda s, y: (lambda p, n: (p > n).mean())(*_pairs(s, y)),
            "counted them as 0",
        ),
        (
            lambda s, y: (lambda p, n: (p >= n).mean())(*_pairs(s, y)),
            "counted them as 1",
        ),
        (
            lambda s, y: (lambda p, n: (p > n).sum() + 0.5 * (p == n).sum())(
                *_pairs(s, y)
            ),
            "did not divide",
        ),
        (lambda s, y: np.mean(y), "fraction of positives"),
        (lambda s, y: np.array([auc_right(s, y)] * 2), "expected a single number"),
        (lambda s, y: auc_right(s, y) + 0.01, "expected 0.8929"),
        (lambda s, y: 1 / 0, "raised ZeroDivisionError"),
        ("nope", "expected a function"),
    ],
)
def test_roc_auc_mistakes(wrong, fragment):
    _only(ex.check_roc_auc(wrong, show=False), fragment)


def test_roc_auc_that_breaks_on_integer_labels_is_caught():
    def bool_only(s, y):
        if y.dtype != bool:
            raise TypeError("expects booleans")
        return auc_right(s, y)

    _only(ex.check_roc_auc(bool_only, show=False), "0/1 integers")


def test_roc_auc_hard_coded_answer_is_caught():
    _only(
        ex.check_roc_auc(lambda s, y: 0.8928571428571429, show=False),
        "the same answer whatever its inputs",
    )


# ---- check_reconstruction_error ---------------------------------------------------


def err_right(images, recons):
    return ((images - recons) ** 2).reshape(len(images), -1).sum(axis=1)


def test_reconstruction_error_right_answers_pass(capsys):
    assert ex.check_reconstruction_error(err_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_reconstruction_error(
        lambda x, r: ((x - r) ** 2).sum(axis=(1, 2)), show=False
    ).passed


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda x, r: err_right(x, r).sum(), "single number for the whole batch"),
        (lambda x, r: (x - r) ** 2, "one value per pixel"),
        (lambda x, r: ((x - r) ** 2).sum(axis=1), "only one pixel axis"),
        (
            lambda x, r: ((x - r) ** 2).reshape(len(x), -1).mean(axis=1),
            "averaged over the pixels",
        ),
        (lambda x, r: np.sqrt(err_right(x, r)), "square root"),
        (
            lambda x, r: np.abs(x - r).reshape(len(x), -1).sum(axis=1),
            "absolute differences",
        ),
        (lambda x, r: (x - r).reshape(len(x), -1).sum(axis=1), "without squaring"),
        (lambda x, r: (x - r).reshape(len(x), -1).sum(axis=1) ** 2, "squared the sum"),
        (lambda x, r: err_right(x, r)[:2], "returned shape (2,)"),
        (lambda x, r: err_right(x, r) + 1, "values differ"),
    ],
)
def test_reconstruction_error_mistakes(wrong, fragment):
    _only(ex.check_reconstruction_error(wrong, show=False), fragment)


# ---- check_nearest_neighbour_distance ---------------------------------------------


def _d(q, r):
    return np.sqrt(((q.reshape(len(q), 1, -1) - r.reshape(1, len(r), -1)) ** 2).sum(-1))


def nn_right(queries, reference):
    return _d(queries, reference).min(axis=1)


def test_nearest_neighbour_right_answers_pass(capsys):
    assert ex.check_nearest_neighbour_distance(nn_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_nearest_neighbour_distance(
        ex.nearest_neighbour_distance, show=False
    ).passed


def _skip_zero(q, r):
    d = _d(q, r)
    d[d < 1e-9] = np.inf
    return d.min(axis=1)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda q, r: _d(q, r).min(axis=1) ** 2, "squared distances"),
        (lambda q, r: _d(q, r).argmin(axis=1), "index of the nearest"),
        (lambda q, r: _d(q, r).mean(axis=1), "averaged the distances"),
        (lambda q, r: _d(q, r).max(axis=1), "largest distance"),
        (
            lambda q, r: (
                np.abs(q.reshape(len(q), 1, -1) - r.reshape(1, len(r), -1))
                .sum(-1)
                .min(1)
            ),
            "(L1)",
        ),
        (lambda q, r: _d(q, r).min(axis=0), "one per reference image"),
        (lambda q, r: _d(q, r), "whole distance matrix"),
        (lambda q, r: _d(q, r).min(), "single number"),
        (_skip_zero, "exact copy"),
        (lambda q, r: nn_right(q, r) + 0.1, "values differ"),
    ],
)
def test_nearest_neighbour_mistakes(wrong, fragment):
    _only(ex.check_nearest_neighbour_distance(wrong, show=False), fragment)
