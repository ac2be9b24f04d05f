"""Bad-input rows for the framework-free modules: data, metrics, plotting, audio, text,
theory, masks, imaging.

Each row makes one bad call; the table test (format in ``_bad_input.py``) checks
that it raises the named error and that the message names the argument.  Files
a row needs are written under a fresh ``tempfile.mkdtemp()`` folder when the
row runs, so building the table touches nothing.
"""

from __future__ import annotations

import os
import pathlib
import tempfile

import numpy as np
from _bad_input import Case

from aigc_course import data
from aigc_course.book import plotting
from aigc_course.core.gpt import GPTConfig
from aigc_course.data import audio, masks, text
from aigc_course.evaluation import imaging, metrics
from aigc_course.exercises import gan as gan_exercises
from aigc_course.maths import theory

NAN, INF = float("nan"), float("inf")


# --------------------------------------------------------------------------
# Files for load_mnist
# --------------------------------------------------------------------------


def _file(name: str, content: bytes) -> pathlib.Path:
    path = pathlib.Path(tempfile.mkdtemp()) / name
    path.write_bytes(content)
    return path


def _npz(images=None, labels=None, **arrays) -> pathlib.Path:
    """An MNIST-style .npz: 2 uint8 images per split unless ``images`` / ``labels``
    replace them."""
    images = np.zeros((2, 28, 28), dtype=np.uint8) if images is None else images
    labels = np.array([3, 7], dtype=np.uint8) if labels is None else labels
    arrays = arrays or {
        "x_train": images,
        "y_train": labels,
        "x_test": images,
        "y_test": labels,
    }
    path = pathlib.Path(tempfile.mkdtemp()) / "mnist.npz"
    np.savez(path, **arrays)
    return path


def _truncated_npz() -> pathlib.Path:
    whole = _npz().read_bytes()
    return _file("mnist.npz", whole[: len(whole) // 2])


def _load_mnist_from_environment(path: pathlib.Path):
    """``load_mnist()`` with ``AIGC_COURSE_MNIST`` pointing at ``path``, restored
    afterwards."""
    before = os.environ.get(data.MNIST_ENV_VAR)
    os.environ[data.MNIST_ENV_VAR] = str(path)
    try:
        return data.load_mnist()
    finally:
        if before is None:
            del os.environ[data.MNIST_ENV_VAR]
        else:
            os.environ[data.MNIST_ENV_VAR] = before


# --------------------------------------------------------------------------
# Small valid inputs, so that each row gets exactly one thing wrong
# --------------------------------------------------------------------------

_FEATURES = np.random.default_rng(0).standard_normal((10, 3))
_PROBS = np.full((4, 10), 0.1)
_IMAGES = np.full((2, 8, 8), 0.5)
_HOLES = masks.centre_mask(8, 4, n=2)


CASES: list[Case] = [
    # ---- data: load_digits and the toy distributions ----
    Case(
        "data-load_digits-float-image_size",
        lambda: data.load_digits(image_size=28.0),
        ValueError,
        r"image_size must be an integer >= 1, got 28\.0",
    ),
    Case(
        "data-load_digits-unknown-image_size",
        lambda: data.load_digits(image_size=32),
        ValueError,
        r"image_size must be one of 8, 16, 28; got 32",
    ),
    Case(
        "data-load_digits-unknown-scale",
        lambda: data.load_digits(scale="minmax"),
        ValueError,
        r"scale must be one of 'tanh', 'unit'; got 'minmax'",
    ),
    Case(
        "data-load_digits-unknown-split",
        lambda: data.load_digits(split="valid"),
        ValueError,
        r"split must be one of 'train', 'test'; got 'valid'",
    ),
    Case(
        "data-resize_images-float-image_size",
        lambda: data.resize_images(np.zeros((1, 8, 8)), 16.0),
        ValueError,
        r"image_size must be an integer >= 1, got 16\.0",
    ),
    Case(
        "data-ring_of_gaussians-nan-radius",
        lambda: data.ring_of_gaussians(radius=NAN),
        ValueError,
        r"radius must be positive and finite, got nan",
    ),
    Case(
        "data-ring_of_gaussians-infinite-std",
        lambda: data.ring_of_gaussians(std=INF),
        ValueError,
        r"std must be positive and finite, got inf",
    ),
    Case(
        "data-ring_of_gaussians-zero-modes",
        lambda: data.ring_of_gaussians(modes=0),
        ValueError,
        r"modes must be an integer >= 1, got 0",
    ),
    Case(
        "data-ring_of_gaussians-float-n",
        lambda: data.ring_of_gaussians(n=10.5),
        ValueError,
        r"n must be an integer >= 1, got 10\.5",
    ),
    Case(
        "data-ring_centres-negative-radius",
        lambda: data.ring_centres(8, radius=-2.0),
        ValueError,
        r"radius must be positive and finite, got -2\.0",
    ),
    Case(
        "data-spiral-infinite-turns",
        lambda: data.spiral(turns=INF),
        ValueError,
        r"turns must be positive and finite, got inf",
    ),
    Case(
        "data-spiral-nan-noise",
        lambda: data.spiral(noise=NAN),
        ValueError,
        r"noise must be >= 0 and "
        r"finite, got nan",
    ),
    Case(
        "data-spiral-negative-seed",
        lambda: data.spiral(seed=-3),
        ValueError,
        r"seed must be an integer >= 0, got -3",
    ),
    Case(
        "data-moons-negative-noise",
        lambda: data.moons(noise=-1),
        ValueError,
        r"noise must be >= 0 and "
        r"finite, got -1",
    ),
    Case(
        "data-batches-zero-batch_size",
        lambda: list(data.batches(np.zeros(4), 0)),
        ValueError,
        r"batch_size must be an integer >= 1, got 0",
    ),
    Case(
        "data-batches-float-seed",
        lambda: list(data.batches(np.zeros(4), 2, seed=0.5)),
        ValueError,
        r"seed must be an integer >= 0, got 0\.5",
    ),
    Case(
        "data-batches-unequal-lengths",
        lambda: list(data.batches((np.zeros(4), np.zeros(3)), 2)),
        ValueError,
        r"arrays must have the same length, got \[4, 3\]",
    ),
    # ---- data: MNIST files ----
    Case(
        "data-load_mnist-random-bytes",
        lambda: data.load_mnist(_file("mnist.npz", os.urandom(256))),
        ValueError,
        r"path '.*mnist\.npz' is not an \.npz archive .*expected an MNIST \.npz with "
        r"x_train",
    ),
    Case(
        "data-load_mnist-truncated-npz",
        lambda: data.load_mnist(_truncated_npz()),
        ValueError,
        r"path '.*mnist\.npz' is a damaged or truncated \.npz archive .*expected an "
        r"MNIST \.npz",
    ),
    Case(
        "data-load_mnist-empty-file",
        lambda: data.load_mnist(_file("mnist.npz", b"")),
        ValueError,
        r"path '.*mnist\.npz' is an empty file \(0 bytes\); expected an MNIST \.npz",
    ),
    Case(
        "data-load_mnist-empty-file-from-environment",
        lambda: _load_mnist_from_environment(_file("mnist.npz", b"")),
        ValueError,
        r"path '.*mnist\.npz' \(from AIGC_COURSE_MNIST\) is an empty "
        r"file",
    ),
    Case(
        "data-load_mnist-pixels-out-of-range",
        lambda: data.load_mnist(_npz(images=np.full((2, 28, 28), -3.0))),
        ValueError,
        r"path '.*': images must be uint8 0-255 or float 0-1, got "
        r"float64 values in \[-3, -3\]",
    ),
    Case(
        "data-load_mnist-nan-pixels",
        lambda: data.load_mnist(_npz(images=np.full((2, 28, 28), NAN))),
        ValueError,
        r"path '.*': images contain NaN or infinite values",
    ),
    Case(
        "data-load_mnist-labels-out-of-range",
        lambda: data.load_mnist(_npz(labels=np.array([3, 12]))),
        ValueError,
        r"path '.*': labels must be integers 0-9, got values in \[3, 12\]",
    ),
    Case(
        "data-load_mnist-missing-keys",
        lambda: data.load_mnist(_npz(images=None, labels=None, pixels=np.zeros(3))),
        ValueError,
        r"path '.*' lacks \['x_train', 'y_train'\]",
    ),
    Case(
        "data-load_mnist-missing-file",
        lambda: data.load_mnist(pathlib.Path(tempfile.mkdtemp()) / "mnist.npz"),
        FileNotFoundError,
        r"path '.*mnist\.npz' does not exist",
    ),
    Case(
        "data-load_mnist-not-npz",
        lambda: data.load_mnist(_file("mnist.csv", b"1,2,3")),
        ValueError,
        r"path '.*mnist\.csv' is neither a \.npz file nor a folder",
    ),
    Case(
        "data-load_mnist-path-type",
        lambda: data.load_mnist(path=123),
        TypeError,
        r"path must be a str or os\.PathLike",
    ),
    Case(
        "data-load_mnist-empty-idx-folder",
        lambda: data.load_mnist(tempfile.mkdtemp()),
        FileNotFoundError,
        r"path '.*' has no train-images-idx3-ubyte",
    ),
    Case(
        "data-read_idx-bad-magic",
        lambda: data.read_idx(_file("junk-idx1-ubyte", b"\x12\x34\x56\x78")),
        ValueError,
        r"path '.*' is not an IDX file \(bad magic number '12345678'\)",
    ),
    Case(
        "data-read_idx-bad-gzip",
        lambda: data.read_idx(_file("labels-idx1-ubyte.gz", b"not gzip")),
        ValueError,
        r"path '.*\.gz' is not a complete gzip file",
    ),
    # ---- metrics ----
    Case(
        "metrics-preference_test-wins-over-n",
        lambda: metrics.preference_test(11, 10),
        ValueError,
        r"wins must be at most n=10, got 11",
    ),
    Case(
        "metrics-preference_test-float-n",
        lambda: metrics.preference_test(3, 10.0),
        ValueError,
        r"n must be an integer >= 1, got 10\.0",
    ),
    Case(
        "metrics-preference_test-confidence-one",
        lambda: metrics.preference_test(3, 10, confidence=1.0),
        ValueError,
        r"confidence must be a number in \[0\.0, 1\.0\), got 1\.0",
    ),
    Case(
        "metrics-judgements_needed-half",
        lambda: metrics.judgements_needed(0.5),
        ValueError,
        r"win_rate must lie in \(0, 1\) and differ from 0\.5, got 0\.5",
    ),
    Case(
        "metrics-frechet_distance-negative-covariance",
        lambda: metrics.frechet_distance(
            np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2)
        ),
        ValueError,
        r"sigma1 must be positive semi-definite .*got an eigenvalue of -1",
    ),
    Case(
        "metrics-frechet_distance-indefinite-sigma2",
        lambda: metrics.frechet_distance(
            np.zeros(2), np.eye(2), np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]])
        ),
        ValueError,
        r"sigma2 must be positive semi-definite",
    ),
    Case(
        "metrics-frechet_distance-non-square",
        lambda: metrics.frechet_distance(
            np.zeros(2), np.zeros((2, 3)), np.zeros(2), np.eye(2)
        ),
        ValueError,
        r"sigma1 must have shape \(2, 2\) to match the means, got \(2, 3\)",
    ),
    Case(
        "metrics-frechet_distance-asymmetric",
        lambda: metrics.frechet_distance(
            np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2)
        ),
        ValueError,
        r"sigma1 must be a symmetric covariance matrix, got max \|sigma1 "
        r"- sigma1\.T\| = 0\.5",
    ),
    Case(
        "metrics-frechet_distance-nan-mean",
        lambda: metrics.frechet_distance(
            np.array([0.0, NAN]), np.eye(2), np.zeros(2), np.eye(2)
        ),
        ValueError,
        r"mu1 holds 1 NaN or infinite value",
    ),
    Case(
        "metrics-frechet_distance-mean-lengths",
        lambda: metrics.frechet_distance(
            np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)
        ),
        ValueError,
        r"mu1 and mu2 must have the same length, got 2 and 3",
    ),
    Case(
        "metrics-frechet_distance_from_features-one-row",
        lambda: metrics.frechet_distance_from_features(_FEATURES[:1], _FEATURES),
        ValueError,
        r"features1 needs at least 2 samples",
    ),
    Case(
        "metrics-precision_recall-feature-dimensions",
        lambda: metrics.precision_recall(_FEATURES, _FEATURES[:, :2]),
        ValueError,
        r"real_features and fake_features must have the same feature dimension, got "
        r"3 and 2",
    ),
    Case(
        "metrics-precision_recall-float-k",
        lambda: metrics.precision_recall(_FEATURES, _FEATURES, k=2.5),
        ValueError,
        r"k must be a positive integer, got 2\.5",
    ),
    Case(
        "metrics-density_coverage-1d-features",
        lambda: metrics.density_coverage(_FEATURES[:, 0], _FEATURES),
        ValueError,
        r"real_features must have shape \(N, D\), got an array of shape "
        r"\(10,\)",
    ),
    Case(
        "metrics-confident_fraction-nan-threshold",
        lambda: metrics.confident_fraction(_PROBS, threshold=NAN),
        ValueError,
        r"threshold must be a number in \(0, 1\], got nan",
    ),
    Case(
        "metrics-class_entropy-logits",
        lambda: metrics.class_entropy(_PROBS * 3),
        ValueError,
        r"probs rows must sum to 1 \(softmax outputs, not logits\)",
    ),
    # ---- plotting ----
    Case(
        "plotting-make_grid-float-0-255",
        lambda: plotting.make_grid(np.linspace(0, 255, 32).reshape(2, 4, 4)),
        ValueError,
        r"images must lie in \[0, 1\] or \[-1, 1\] .*got values in \[0, "
        r"255\]",
    ),
    Case(
        "plotting-make_grid-reversed-value_range",
        lambda: plotting.make_grid(_IMAGES, value_range=(1.0, 0.0)),
        ValueError,
        r"value_range must be \(low, high\) with finite high > low",
    ),
    Case(
        "plotting-make_grid-nan-pad_value",
        lambda: plotting.make_grid(_IMAGES, pad_value=NAN),
        ValueError,
        r"pad_value must be a number in \[0, 1\]",
    ),
    Case(
        "plotting-make_grid-zero-nrow",
        lambda: plotting.make_grid(_IMAGES, nrow=0),
        ValueError,
        r"nrow must be a positive integer, got 0",
    ),
    Case(
        "plotting-make_grid-strings",
        lambda: plotting.make_grid(np.array([["a", "b"]])),
        ValueError,
        r"images must be a numeric array, got dtype <U1",
    ),
    # ---- audio ----
    Case(
        "audio-tone-nan-frequency",
        lambda: audio.tone(NAN),
        ValueError,
        r"frequency must be a "
        r"positive number, got nan",
    ),
    Case(
        "audio-tone-infinite-amplitude",
        lambda: audio.tone(440.0, amplitude=INF),
        ValueError,
        r"amplitude must be a positive number, got inf",
    ),
    Case(
        "audio-tone-float-sample_rate",
        lambda: audio.tone(440.0, sample_rate=8000.0),
        ValueError,
        r"sample_rate must be an integer >= 1, got 8000\.0",
    ),
    Case(
        "audio-adsr-sustain-as-time",
        lambda: audio.adsr(100, 0.001, 0.001, 1.5, 0.001),
        ValueError,
        r"sustain must be a level in \[0, 1\]",
    ),
    Case(
        "audio-synthesize_note-short-envelope",
        lambda: audio.synthesize_note(440.0, envelope=(0.01, 0.05, 0.7)),
        ValueError,
        r"envelope must be \(attack, decay, sustain, release\)",
    ),
    Case(
        "audio-make_notes-float-seed",
        lambda: audio.make_notes(1, seed=1.5),
        ValueError,
        r"seed must be an integer >= 0, got 1\.5",
    ),
    Case(
        "audio-stft-zero-hop",
        lambda: audio.stft(np.zeros(300), hop=0),
        ValueError,
        r"hop must be an integer >= 1, got 0",
    ),
    Case(
        "audio-griffin_lim-negative-iterations",
        lambda: audio.griffin_lim(np.ones((129, 4)), iterations=-1),
        ValueError,
        r"iterations must be an integer >= 0, got -1",
    ),
    Case(
        "audio-to_unit-zero-db_range",
        lambda: audio.to_unit(np.ones((4, 4)), db_range=0),
        ValueError,
        r"db_range must be a positive number, got 0",
    ),
    Case(
        "audio-dominant_frequency-nan-min_frequency",
        lambda: audio.dominant_frequency(np.ones(64), min_frequency=NAN),
        ValueError,
        r"min_frequency must be a number in \[0\.0, 4000\.0\), got nan",
    ),
    Case(
        "audio-cents-zero-frequency",
        lambda: audio.cents(0.0, 440.0),
        ValueError,
        r"frequency must hold positive, finite frequencies in Hz",
    ),
    # ---- text ----
    Case(
        "text-CharTokenizer-empty-chars",
        lambda: text.CharTokenizer(""),
        ValueError,
        r"chars must be a non-empty string",
    ),
    Case(
        "text-encode-unknown-characters",
        lambda: text.CharTokenizer().encode("Hello"),
        ValueError,
        r"text contains characters outside the vocabulary: 'H'",
    ),
    Case(
        "text-decode-out-of-range",
        lambda: text.CharTokenizer("ab").decode([0, 5]),
        ValueError,
        r"ids must lie in \[0, 2\), got values in \[0, 5\]",
    ),
    Case(
        "text-decode-float-ids",
        lambda: text.CharTokenizer("ab").decode([0.0, 1.0]),
        ValueError,
        r"ids must be integer token ids, got dtype float64",
    ),
    Case(
        "text-check_token_ids-2d",
        lambda: text.check_token_ids(np.zeros((2, 8), dtype=int), 4, 2),
        ValueError,
        r"token_ids must be a 1-D array of integer ids, got shape \(2, 8\)",
    ),
    Case(
        "text-check_token_ids-out-of-range",
        lambda: text.check_token_ids(np.arange(8), 4, 2),
        ValueError,
        r"token_ids must lie in \[0, 4\) \(vocab_size\), got values in \[0, 7\]",
    ),
    Case(
        "text-check_token_ids-zero-vocab_size",
        lambda: text.check_token_ids(np.zeros(8, dtype=int), 0, 2),
        ValueError,
        r"vocab_size must be an integer >= 1, got 0",
    ),
    Case(
        "gpt-GPTConfig-float-n_head",
        lambda: GPTConfig(vocab_size=10, n_head=2.0),
        ValueError,
        r"n_head must be an integer >= 1, got 2\.0",
    ),
    Case(
        "gpt-GPTConfig-dropout-one",
        lambda: GPTConfig(vocab_size=10, dropout=1.0),
        ValueError,
        r"dropout must be a number in \[0\.0, 1\.0\), got 1\.0",
    ),
    Case(
        "text-split_text-valid_fraction-one",
        lambda: text.split_text("a\n\nb", valid_fraction=1.0),
        ValueError,
        r"valid_fraction must be a number in \(0, 1\), got 1\.0",
    ),
    Case(
        "text-limerick_corpus-zero-n",
        lambda: text.limerick_corpus(n=0),
        ValueError,
        r"n must be an integer >= 1, got 0",
    ),
    Case(
        "text-check_generate_args-nan-temperature",
        lambda: text.check_generate_args(5, NAN, None, 10),
        ValueError,
        r"temperature must be a finite number >= 0",
    ),
    Case(
        "text-normalise-bytes",
        lambda: text.normalise(b"abc"),
        ValueError,
        r"text must be a string, got bytes",
    ),
    # ---- theory ----
    Case(
        "theory-kl_divergence-negative-p",
        lambda: theory.kl_divergence([0.5, -0.5], [0.5, 0.5]),
        ValueError,
        r"p must be >= 0 \(a density or probability\), got a minimum of -0\.5",
    ),
    Case(
        "theory-kl_divergence-shapes",
        lambda: theory.kl_divergence([0.5, 0.5], [1.0]),
        ValueError,
        r"p and q must have the same shape, got \(2,\) and \(1,\)",
    ),
    Case(
        "theory-normal_pdf-zero-var",
        lambda: theory.normal_pdf(0.0, var=0.0),
        ValueError,
        r"var must be > 0",
    ),
    Case(
        "theory-gaussian_kl-strings",
        lambda: theory.gaussian_kl(["a"], [0.0]),
        ValueError,
        r"mu must be a number or an array of numbers, got list",
    ),
    Case(
        "theory-binary_cross_entropy-reduction",
        lambda: theory.binary_cross_entropy([1.0], [0.5], reduction="avg"),
        ValueError,
        r"reduction must be 'mean', 'sum' or 'none', got 'avg'",
    ),
    Case(
        "theory-gan_value-d-above-one",
        lambda: theory.gan_value([1.5], [1.0], [1.0]),
        ValueError,
        r"d must hold probabilities in \[0, 1\]",
    ),
    Case(
        "theory-linear_gan_gradients-missing-params",
        lambda: theory.linear_gan_gradients({"a": 1.0}, [0.0], [0.0]),
        ValueError,
        r"params must hold a, b, w and c, missing \['b', 'c', 'w'\]",
    ),
    Case(
        "theory-linear_gan_gradients-nan-param",
        lambda: theory.linear_gan_gradients(
            {"a": 1.0, "b": 0.0, "w": NAN, "c": 0.0}, [0.0], [0.0]
        ),
        ValueError,
        r"params\['w'\] must be a finite number, got nan",
    ),
    Case(
        "theory-linear_gaussian_posterior-zero-s",
        lambda: theory.linear_gaussian_posterior([0.0], 1.0, 0.0, 0.0),
        ValueError,
        r"s must be a positive number, got 0\.0",
    ),
    Case(
        "theory-generator_loss_gradient-unknown-loss",
        lambda: theory.generator_loss_gradient([0.5], loss="hinge"),
        ValueError,
        r"loss must be 'saturating' or 'non-saturating', got 'hinge'",
    ),
    # ---- masks ----
    Case(
        "masks-centre_mask-box-too-big",
        lambda: masks.centre_mask(8, 9),
        ValueError,
        r"box_size must be an integer >= 1 and <= 8, got 9",
    ),
    Case(
        "masks-random_box_masks-negative-seed",
        lambda: masks.random_box_masks(2, 8, seed=-1),
        ValueError,
        r"seed must be a non-negative integer, got -1",
    ),
    Case(
        "masks-box_masks_from_noise-noise-shape",
        lambda: masks.box_masks_from_noise(np.zeros((2, 2)), 8, 2, 4),
        ValueError,
        r"noise must have shape \(N, 3\), got \(2, 2\)",
    ),
    Case(
        "masks-apply_mask-shape",
        lambda: masks.apply_mask(_IMAGES, _HOLES[:1]),
        ValueError,
        r"masks must have the shape of images \(2, 8, 8\), got \(1, 8, 8\)",
    ),
    # ---- imaging ----
    Case(
        "imaging-psnr-shapes",
        lambda: imaging.psnr(_IMAGES, _IMAGES[:1]),
        ValueError,
        r"prediction and target must have the same shape",
    ),
    Case(
        "imaging-psnr-zero-data_range",
        lambda: imaging.psnr(_IMAGES, _IMAGES, data_range=0),
        ValueError,
        r"data_range must be a positive number, got 0",
    ),
    Case(
        "imaging-psnr-empty-mask",
        lambda: imaging.psnr(_IMAGES, _IMAGES, mask=np.zeros_like(_IMAGES)),
        ValueError,
        r"mask selects no pixel",
    ),
    Case(
        "imaging-mean_fill-soft-masks",
        lambda: imaging.mean_fill(_IMAGES, _HOLES * 0.5),
        ValueError,
        r"masks must hold only 0 \(known pixel\) and 1 \(missing pixel\)",
    ),
    Case(
        "imaging-diffusion_fill-zero-iterations",
        lambda: imaging.diffusion_fill(_IMAGES, _HOLES, iterations=0),
        ValueError,
        r"iterations must be an integer >= 1, got 0",
    ),
    Case(
        "imaging-load_photo-unknown-name",
        lambda: imaging.load_photo("mona_lisa.jpg"),
        ValueError,
        r"name must be one of 'china\.jpg', 'flower\.jpg'; got 'mona_lisa\.jpg'",
    ),
    Case(
        "imaging-load_photo-tiny-size",
        lambda: imaging.load_photo(size=2),
        ValueError,
        r"size must be an integer in \[4, 427\], got 2",
    ),
    # ---- exercise references ----
    Case(
        "exercises-reference_generator_loss-unknown-loss",
        lambda: gan_exercises.reference_generator_loss(np.zeros(3), "hinge"),
        ValueError,
        r"loss must be one of \('non_saturating', 'minimax'\); got 'hinge'",
    ),
]
