"""The chapter-6 image checkers accept right answers and name the typical mistakes."""

import math

import numpy as np
import pytest

from aigc_course.exercises import applications_images as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert any(fragment in p for p in result.problems), result.problems


def gram_right(f):
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return np.einsum("nip,njp->nij", flat, flat) / (h * w)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda f: gram_right(f) * f.shape[2] * f.shape[3], "did not divide by H * W"),
        (lambda f: gram_right(f) / f.shape[1], "divided by C * H * W"),
        (lambda f: gram_right(f) / f.shape[0], "divided by N * H * W"),
        (lambda f: gram_right(f) / (f.shape[2] * f.shape[3]), "twice"),
        (lambda f: gram_right(f - f.mean((2, 3), keepdims=True)), "covariance"),
        (
            lambda f: np.einsum(
                "ncp,ncq->npq", f.reshape(*f.shape[:2], -1), f.reshape(*f.shape[:2], -1)
            ),
            "F^T F",
        ),
        (lambda f: gram_right(f).mean(0), "whole batch"),
        (lambda f: gram_right(f)[:, :2], "returned shape"),
        (lambda f: gram_right(f) + 1, "values differ"),
        (lambda f: 1 / 0, "raised ZeroDivisionError"),
        (None, "expected a function"),
    ],
)
def test_gram_mistakes(wrong, fragment):
    _only(ex.check_gram_matrix(wrong, show=False), fragment)


def test_gram_right_answers_pass(capsys):
    assert ex.check_gram_matrix(gram_right).passed
    assert "correct" in capsys.readouterr().out
    torch = pytest.importorskip("torch")

    def torch_version(f):
        f = torch.as_tensor(f)
        flat = f.flatten(2)
        return flat @ flat.transpose(1, 2) / flat.shape[-1]

    assert ex.check_gram_matrix(torch_version, show=False).passed


def psnr_right(p, t):
    mse = np.mean((p - t) ** 2)
    return math.inf if mse == 0 else 10 * np.log10(1 / mse)


def _mse(p, t):
    return np.mean((p - t) ** 2)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda p, t: -psnr_right(p, t), "sign is flipped"),
        (lambda p, t: np.log10(1 / _mse(p, t)), "factor 10"),
        (lambda p, t: 20 * np.log10(1 / _mse(p, t)), "20 log10 with the MSE"),
        (lambda p, t: 10 * np.log10(1 / np.sqrt(_mse(p, t))), "RMSE inside"),
        (lambda p, t: 10 * np.log(1 / _mse(p, t)), "natural log"),
        (lambda p, t: 10 * np.log10(1 / np.sum((p - t) ** 2)), "summed"),
        (lambda p, t: 10 * np.log10(1 / np.mean(np.abs(p - t))), "absolute"),
        (lambda p, t: 10 * np.log10(255**2 / _mse(p, t)), "MAX = 255"),
        (lambda p, t: 10 * np.log10(1 / ((p - t) ** 2).mean((1, 2))), "one number"),
        # right: NumPy gives inf (with a warning) for 1 / 0.0
        (lambda p, t: 10 * np.log10(1 / _mse(p, t)), "+inf"),
        (
            lambda p, t: 10 * np.log10(1 / _mse(p, t)) if _mse(p, t) else 1 / 0,
            "identical images",
        ),
        (lambda p, t: psnr_right(p, t) + 1, "expected"),
    ],
)
def test_psnr_mistakes(wrong, fragment):
    result = ex.check_psnr(wrong, show=False)
    if fragment == "+inf":  # NumPy's 1 / 0.0 is inf with a warning: a right answer
        assert result.passed
        return
    _only(result, fragment)


def test_psnr_right_and_nan_for_identical():
    assert ex.check_psnr(psnr_right, show=False).passed
    _only(
        ex.check_psnr(
            lambda p, t: psnr_right(p, t) if _mse(p, t) else float("nan"), show=False
        ),
        "+inf",
    )


def mask_right(size, box):
    m = np.zeros((size, size), bool)
    s = (size - box) // 2
    m[s : s + box, s : s + box] = True
    return m


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda n, b: ~mask_right(n, b), "inverted"),
        (lambda n, b: mask_right(n, b)[None], "returned shape"),
        (lambda n, b: mask_right(n, b) * 255, "other than 0 and 1"),
        (
            lambda n, b: np.pad(np.ones((b, b)), ((0, n - b), (0, n - b))),
            "top-left corner",
        ),
        (lambda n, b: mask_right(n, b + 1) if n - b > 1 else mask_right(n, b), "hides"),
        (lambda n, b: np.roll(mask_right(n, b), 1, axis=(0, 1)), "starts at row"),
        (lambda n, b: [[1]], "returned shape"),
    ],
)
def test_centre_mask_mistakes(wrong, fragment):
    _only(ex.check_centre_mask(wrong, show=False), fragment)


def test_centre_mask_right_answers_pass():
    assert ex.check_centre_mask(mask_right, show=False).passed
    from aigc_course.data.masks import centre_mask

    assert ex.check_centre_mask(lambda n, b: centre_mask(n, b)[0], show=False).passed
