"""The reference digits classifier and the metrics built on it."""

import math

import numpy as np
import pytest

from aigc_course.data import load_digits
from aigc_course.evaluation import classifier as ref


@pytest.mark.parametrize("image_size", [8, 16, 28])
def test_held_out_accuracy_is_high(image_size):
    images, labels = load_digits(image_size, split="test", scale="unit")
    accuracy = ref.reference_classifier(image_size).accuracy(images, labels)
    assert accuracy >= 0.95, (
        f"{image_size}x{image_size}: held-out accuracy {accuracy:.3f}"
    )


def test_training_is_deterministic():
    again = ref.train_reference_classifier(8)
    cached = ref.reference_classifier(8)
    assert np.array_equal(again.hidden_weights, cached.hidden_weights)
    assert np.array_equal(again.output_weights, cached.output_weights)
    assert ref.reference_classifier(8) is cached  # trained once per process


def test_numpy_forward_matches_scikit_learn():
    from sklearn.neural_network import MLPClassifier

    clf = ref.reference_classifier(8)
    sk = MLPClassifier(hidden_layer_sizes=(ref.HIDDEN_UNITS,))
    sk.coefs_ = [clf.hidden_weights, clf.output_weights]
    sk.intercepts_ = [clf.hidden_bias, clf.output_bias]
    sk.n_layers_, sk.out_activation_, sk.activation = 3, "softmax", "relu"
    sk.classes_ = np.arange(10)
    sk.n_outputs_ = 10
    from sklearn.preprocessing import LabelBinarizer

    sk._label_binarizer = LabelBinarizer().fit(np.arange(10))
    images, _ = load_digits(8, split="test", scale="unit")
    np.testing.assert_allclose(
        clf.predict_proba(images),
        sk.predict_proba(images.reshape(len(images), -1)),
        atol=1e-12,
    )


def test_scales_and_channel_layouts_agree():
    clf = ref.reference_classifier(8)
    unit, _ = load_digits(8, split="test", scale="unit")
    tanh, _ = load_digits(8, split="test", scale="tanh")
    expected = clf.predict_proba(unit, scale="unit")
    np.testing.assert_allclose(
        clf.predict_proba(tanh, scale="tanh"), expected, atol=1e-6
    )
    # auto: negative pixels -> tanh
    np.testing.assert_allclose(clf.predict_proba(tanh), expected, atol=1e-6)
    # auto: no negative pixel -> unit
    np.testing.assert_allclose(clf.predict_proba(unit), expected, atol=1e-6)
    # (N, 1, H, W)
    np.testing.assert_allclose(clf.predict_proba(tanh[:, None]), expected, atol=1e-6)
    # (N, H, W, 1)
    np.testing.assert_allclose(clf.predict_proba(tanh[..., None]), expected, atol=1e-6)
    assert clf.features(unit).shape == (len(unit), ref.HIDDEN_UNITS)


def test_real_data_ceiling():
    ceiling = ref.real_data_ceiling(28)
    assert ceiling["accuracy"] >= 0.95
    # the benchmark's quality bar must be reachable
    assert ceiling["confident_fraction"] > 0.85
    assert ceiling["class_entropy"] == pytest.approx(math.log(10), abs=0.01)
    assert ceiling["inception_style_score"] > 8.5
    assert (
        ceiling["precision"] > 0.85
        and ceiling["recall"] > 0.8
        and ceiling["coverage"] > 0.95
    )
    assert ceiling["classifier_frechet_distance"] < 1.0
    ceiling["accuracy"] = -1.0  # a copy: the cached ceiling stays intact
    assert ref.real_data_ceiling(28)["accuracy"] >= 0.95


def test_evaluate_samples_ranks_noise_and_collapse_below_real_digits():
    rng = np.random.default_rng(0)
    real, labels = load_digits(16, split="train", scale="tanh")
    real_scores = ref.evaluate_samples(real[:500])
    noise_scores = ref.evaluate_samples(rng.uniform(-1, 1, (500, 16, 16)))
    collapsed_scores = ref.evaluate_samples(real[labels == 3][:100])  # one digit only
    assert set(real_scores) == {
        "n_samples", "confident_fraction", "class_entropy", "inception_style_score",
        "classifier_frechet_distance", "precision", "recall", "density", "coverage",
    }  # fmt: skip
    assert real_scores["confident_fraction"] > 0.85 > noise_scores["confident_fraction"]
    assert (
        noise_scores["confident_fraction"] < 0.5
        and noise_scores["precision"] < real_scores["precision"]
    )
    assert (
        real_scores["classifier_frechet_distance"]
        < noise_scores["classifier_frechet_distance"]
    )
    assert (
        real_scores["classifier_frechet_distance"]
        < collapsed_scores["classifier_frechet_distance"]
    )
    assert collapsed_scores["class_entropy"] < 0.5 < real_scores["class_entropy"]
    assert collapsed_scores["recall"] < 0.3 < real_scores["recall"]
    assert collapsed_scores["inception_style_score"] < 2.0
    assert ref.classifier_frechet_distance(real[:500]) == pytest.approx(
        real_scores["classifier_frechet_distance"]
    )


def test_bad_images_raise_value_error():
    clf = ref.reference_classifier(8)
    with pytest.raises(ValueError, match=r"images are 16x16 but image_size is 8"):
        clf.predict_proba(np.zeros((4, 16, 16)))
    with pytest.raises(ValueError, match=r"images must have shape \(N, H, W\)"):
        clf.features(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="images is empty"):
        clf.features(np.zeros((0, 8, 8)))
    with_nan = np.zeros((2, 8, 8))
    with_nan[1, 3, 4] = np.nan
    with pytest.raises(ValueError, match="images hold 1 NaN"):
        clf.features(with_nan)
    with pytest.raises(ValueError, match=r"scale='unit' must lie in \[0, 1\]"):
        clf.features(-np.ones((2, 8, 8)), scale="unit")
    with pytest.raises(
        ValueError,
        match=r"scale='tanh' must lie in \[-1, 1\], got "
        r"values in \[-3",
    ):
        clf.features(np.full((2, 8, 8), -3.0))
    with pytest.raises(ValueError, match="scale must be one of"):
        clf.features(np.zeros((2, 8, 8)), scale="pixels")
    with pytest.raises(ValueError, match="image_size must be one of 8, 16, 28; got 32"):
        ref.reference_classifier(32)
    with pytest.raises(ValueError, match="images must hold more than 5 samples"):
        ref.evaluate_samples(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="reference must be one of"):
        ref.evaluate_samples(np.zeros((10, 8, 8)), reference="validation")
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        clf.accuracy(np.zeros((2, 8, 8)), [1, 2, 3])
