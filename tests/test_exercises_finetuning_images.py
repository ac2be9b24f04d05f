"""The chapter-5 (transfer for images) checkers accept right answers and name the
typical mistakes."""

from statistics import NormalDist

import numpy as np
import pytest

from aigc_course.exercises import finetuning_images as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert len(result.problems) >= 1
    assert any(fragment in p for p in result.problems), result.problems


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---- patch mask ---------------------------------------------------------------


def _grow(hidden, g, patch_size):
    hidden = np.asarray(hidden, dtype=float).reshape(-1, g, g)
    return hidden.repeat(patch_size, 1).repeat(patch_size, 2)


def patch_mask_right(noise, image_size, patch_size, mask_ratio):
    g = image_size // patch_size
    threshold = NormalDist().inv_cdf(mask_ratio) if mask_ratio > 0 else -np.inf
    return _grow(noise < threshold, g, patch_size)


def patch_mask_kron(noise, image_size, patch_size, mask_ratio):
    from scipy.stats import norm

    g = image_size // patch_size
    # norm.ppf(0) is -inf: nothing hidden
    hidden = (noise < norm.ppf(mask_ratio)).reshape(-1, g, g)
    # booleans are accepted
    return np.kron(hidden, np.ones((1, patch_size, patch_size), dtype=bool))


def _threshold(r):
    return NormalDist().inv_cdf(r) if r > 0 else -np.inf


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda n, s, p, r: 1 - patch_mask_right(n, s, p, r),
            "1 on the visible patches",
        ),
        (
            lambda n, s, p, r: _grow(n > _threshold(r), s // p, p),
            "1 on the visible patches",
        ),
        (
            lambda n, s, p, r: _grow(n > -_threshold(r), s // p, p),
            "right fraction of patches",
        ),
        (
            lambda n, s, p, r: _grow(n < r, s // p, p),
            "compared the noise with mask_ratio itself",
        ),
        (
            lambda n, s, p, r: _grow(
                (n < _threshold(r)).reshape(-1, s // p, s // p).transpose(0, 2, 1),
                s // p,
                p,
            ),
            "column by column",
        ),
        (
            lambda n, s, p, r: np.tile(
                (n < _threshold(r)).reshape(-1, s // p, s // p), (1, p, p)
            ),
            "np.tile",
        ),
        (
            lambda n, s, p, r: (n < _threshold(r)).reshape(-1, s // p, s // p),
            "one value per patch",
        ),
        (
            lambda n, s, p, r: patch_mask_right(n, s, p, r).reshape(len(n), -1),
            "one image-sized mask per row",
        ),
        (
            lambda n, s, p, r: patch_mask_right(n, s, p, r) * 0.5,
            "only 0 (visible) and 1 (hidden)",
        ),
        (lambda n, s, p, r: patch_mask_right(n[:, ::-1], s, p, r), "pixels differ"),
        (lambda n, s, p, r: 1 / 0, "raised ZeroDivisionError"),
        (42, "expected a function"),
    ],
)
def test_patch_mask_mistakes(wrong, fragment):
    _only(ex.check_patch_mask(wrong, show=False), fragment)


def test_patch_mask_right_answers_pass(capsys):
    assert ex.check_patch_mask(patch_mask_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_patch_mask(patch_mask_kron, show=False).passed


def test_patch_mask_reference_matches_the_package():
    torch = pytest.importorskip("torch")
    from aigc_course.torch import selfsupervised as tss

    noise = np.random.default_rng(0).standard_normal((5, 16)).astype(np.float32)
    expected = tss.patch_mask(torch.as_tensor(noise), 16, 4, 0.5).numpy()
    np.testing.assert_array_equal(ex.patch_mask(noise, 16, 4, 0.5), expected)
    assert ex.check_patch_mask(
        lambda n, s, p, r: tss.patch_mask(torch.as_tensor(n), s, p, r), show=False
    ).passed


def test_right_rate_with_other_patches_is_named_though_it_looks_like_inverted_mask():
    # At mask_ratio=0.5 the two mistakes give the same mask; the other cases tell them
    # apart.
    result = ex.check_patch_mask(
        lambda n, s, p, r: _grow(n > -_threshold(r), s // p, p), show=False
    )
    assert "right fraction" in result.problems[0]


def test_patch_mask_without_a_case_for_a_zero_ratio_gets_a_hint():
    result = ex.check_patch_mask(
        lambda n, s, p, r: _grow(n < NormalDist().inv_cdf(r), s // p, p), show=False
    )
    _only(result, "mask_ratio=0.0")
    assert any("hide nothing" in h for h in result.hints), result.hints


# ---- masked loss --------------------------------------------------------------


def masked_loss_right(logits, images, mask):
    p = _sigmoid(logits)
    per_pixel = -(images * np.log(p) + (1 - images) * np.log(1 - p))
    return (per_pixel * mask).sum() / max(mask.sum(), 1)


def _bce(logits, images):
    p = _sigmoid(logits)
    return -(images * np.log(p) + (1 - images) * np.log(1 - p))


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda z, x, m: (_bce(z, x) * m).mean(), "averaged over all pixels"),
        (lambda z, x, m: _bce(z, x).mean(), "scored every pixel"),
        (
            lambda z, x, m: (_bce(z, x) * (1 - m)).sum() / (1 - m).sum(),
            "scored the visible pixels",
        ),
        (lambda z, x, m: (_bce(z, x) * m).sum(), "summed over the hidden pixels"),
        (
            lambda z, x, m: np.mean(
                [(_bce(z, x)[i] * m[i]).sum() / m[i].sum() for i in range(len(x))]
            ),
            "averaged each image",
        ),
        (lambda z, x, m: -masked_loss_right(z, x, m), "sign is flipped"),
        (
            lambda z, x, m: (-x * np.log(_sigmoid(z)) * m).sum() / m.sum(),
            "(1 - x) log(1 - p) term is missing",
        ),
        (
            lambda z, x, m: (((_sigmoid(z) - x) ** 2) * m).sum() / m.sum(),
            "squared error",
        ),
        (
            lambda z, x, m: (_bce(z, x) * m).sum() / m.sum(),
            "with no hidden pixel the loss must be 0",
        ),
        (
            lambda z, x, m: (_bce(z, x) * m).sum(axis=(1, 2)) / m.sum(),
            "expected a single number",
        ),
        (lambda z, x, m: masked_loss_right(z, x, m) + 0.1, "expected"),
        (
            lambda z, x, m: (
                (-(x * np.log(z) + (1 - x) * np.log(1 - z)) * m).sum() / m.sum()
            ),
            "NaN or infinite",
        ),
        (lambda z, x, m: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_masked_loss_mistakes(wrong, fragment):
    with np.errstate(all="ignore"):
        _only(ex.check_masked_loss(wrong, show=False), fragment)


def test_masked_loss_right_answers_pass(capsys):
    assert ex.check_masked_loss(masked_loss_right).passed
    assert "correct" in capsys.readouterr().out


def test_masked_loss_accepts_the_package_functions():
    torch = pytest.importorskip("torch")
    from aigc_course.keras import selfsupervised as kss
    from aigc_course.torch import selfsupervised as tss

    def torch_version(z, x, m):
        return tss.masked_reconstruction_loss(
            *(torch.as_tensor(a, dtype=torch.float32) for a in (z, x, m))
        )

    def keras_version(z, x, m):
        return kss.masked_reconstruction_loss(
            z.astype(np.float32), x.astype(np.float32), m.astype(np.float32)
        )

    assert ex.check_masked_loss(torch_version, show=False).passed
    assert ex.check_masked_loss(keras_version, show=False).passed


# ---- few-shot split -----------------------------------------------------------


def few_shot_right(labels, classes, k, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), k, replace=False) for c in classes]
    )


def few_shot_permutation(labels, classes, k, seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    # a list is fine
    return [int(i) for c in classes for i in order[labels[order] == c][:k]]


# a larger "test split" the reader's code wrongly draws from too
_TEST_LABELS = np.repeat(np.arange(10), 30)


def _first_k(labels, classes, k, seed):
    return np.concatenate([np.flatnonzero(labels == c)[:k] for c in classes])


def _global_rng(labels, classes, k, seed):
    return np.concatenate(
        [
            np.random.choice(np.flatnonzero(labels == c), k, replace=False)
            for c in classes
        ]
    )


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (_first_k, "first k examples"),
        (lambda y, cl, k, s: few_shot_right(y, cl, k, 0), "seed is ignored"),
        (_global_rng, "global random state"),
        (
            lambda y, cl, k, s: np.concatenate(
                [np.random.default_rng(s).choice(np.flatnonzero(y == c), k) for c in cl]
            ),
            "more than once",
        ),
        (lambda y, cl, k, s: few_shot_right(y, range(10), k, s), "not asked for"),
        (lambda y, cl, k, s: few_shot_right(y, cl, k + 1, s), "exactly k="),
        (
            lambda y, cl, k, s: few_shot_right(y, cl, k, s) + len(y),
            "leaks it into training",
        ),
        (
            lambda y, cl, k, s: few_shot_right(
                np.concatenate([y, _TEST_LABELS]), cl, k, s
            ),
            "leaks it into training",
        ),
        (
            lambda y, cl, k, s: np.isin(np.arange(len(y)), few_shot_right(y, cl, k, s)),
            "boolean mask",
        ),
        (
            lambda y, cl, k, s: few_shot_right(y, cl, k, s).reshape(len(cl), k),
            "flat array",
        ),
        (lambda y, cl, k, s: few_shot_right(y, cl, k, s) + 0.5, "integer indices"),
        (lambda y, cl, k, s: y[few_shot_right(y, cl, k, s)], "not asked for"),
        (lambda y, cl, k, s: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_few_shot_split_mistakes(wrong, fragment):
    _only(ex.check_few_shot_split(wrong, show=False), fragment)


def test_few_shot_split_right_answers_pass(capsys):
    assert ex.check_few_shot_split(few_shot_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_few_shot_split(few_shot_permutation, show=False).passed
    assert ex.check_few_shot_split(ex.few_shot_split, show=False).passed
    assert ex.check_few_shot_split(
        lambda y, cl, k, s: few_shot_right(y, cl, k, s).astype(float), show=False
    ).passed


def test_few_shot_checker_leaves_the_global_random_state_alone():
    # The checker reseeds NumPy's global generator to catch answers that use it, then
    # puts it back.
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    ex.check_few_shot_split(_global_rng, show=False)
    assert np.random.rand() == expected
