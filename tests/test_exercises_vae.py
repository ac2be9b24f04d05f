"""The chapter-3 (VAE) checkers accept right answers and name the typical mistakes."""

import numpy as np
import pytest

from aigc_course.exercises import vae as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert len(result.problems) >= 1
    assert any(fragment in p for p in result.problems), result.problems


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---- reparameterize -----------------------------------------------------------


def reparameterize_right(z_mean, z_log_var, eps):
    return z_mean + np.exp(0.5 * z_log_var) * eps


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda m, lv, e: m + np.exp(lv) * e, "variance exp(log_var)"),
        (lambda m, lv, e: m + lv * e, "log_var itself"),
        (lambda m, lv, e: m + np.exp(2 * lv) * e, "exp(2 * log_var)"),
        (lambda m, lv, e: m, "returned the mean alone"),
        (lambda m, lv, e: m * np.exp(0.5 * lv) * e, "multiplied the mean by eps"),
        (lambda m, lv, e: np.exp(0.5 * lv) * e, "forgot the mean"),
        (lambda m, lv, e: m - np.exp(0.5 * lv) * e, "subtracted the noise"),
        (lambda m, lv, e: m + np.exp(0.5 * lv) + e, "added sigma and eps"),
        (
            lambda m, lv, e: m + np.exp(0.5 * lv) * np.random.standard_normal(m.shape),
            "use the eps argument",
        ),
        (lambda m, lv, e: (m + np.exp(0.5 * lv) * e)[:, 0], "returned shape"),
        (lambda m, lv, e: m + np.exp(0.5 * lv) * e + 0.1, "values differ"),
        (lambda m, lv, e: 1 / 0, "raised ZeroDivisionError"),
        ("not a function", "expected a function"),
    ],
)
def test_reparameterize_mistakes(wrong, fragment):
    _only(ex.check_reparameterize(wrong, show=False), fragment)


def test_reparameterize_right_answers_pass(capsys):
    assert ex.check_reparameterize(reparameterize_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_reparameterize(
        lambda m, lv, e: m + np.sqrt(np.exp(lv)) * e, show=False
    ).passed


def test_reparameterize_accepts_torch_tensors():
    torch = pytest.importorskip("torch")

    def torch_version(m, lv, e):
        m, lv, e = (torch.as_tensor(a) for a in (m, lv, e))
        return m + torch.exp(0.5 * lv) * e

    assert ex.check_reparameterize(torch_version, show=False).passed


def test_reparameterize_ignoring_eps_on_second_call_is_caught():
    calls = []

    def first_call_only(m, lv, e):
        calls.append(1)
        return m + np.exp(0.5 * lv) * (e if len(calls) == 1 else np.ones_like(e))

    _only(
        ex.check_reparameterize(first_call_only, show=False), "does not follow the eps"
    )


# ---- KL loss ------------------------------------------------------------------


def kl_right(z_mean, z_log_var):
    return np.mean(-0.5 * np.sum(1 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=1))


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda m, lv: -kl_right(m, lv), "sign is flipped"),
        (lambda m, lv: 2 * kl_right(m, lv), "factor 1/2"),
        (
            lambda m, lv: np.sum(-0.5 * np.sum(1 + lv - m**2 - np.exp(lv), axis=1)),
            "summed over the batch",
        ),
        (
            lambda m, lv: np.mean(-0.5 * np.mean(1 + lv - m**2 - np.exp(lv), axis=1)),
            "averaged over the latent dimensions",
        ),
        (
            lambda m, lv: np.mean(
                -0.5 * np.sum(1 + lv - m**2 - np.exp(2 * lv), axis=1)
            ),
            "exp(2 * log_var)",
        ),
        (
            lambda m, lv: np.mean(-0.5 * np.sum(1 + lv + m**2 - np.exp(lv), axis=1)),
            "mean^2 term has the wrong sign",
        ),
        (
            lambda m, lv: np.mean(-0.5 * np.sum(lv - m**2 - np.exp(lv), axis=1)),
            "constant 1",
        ),
        (
            lambda m, lv: np.mean(-0.5 * np.sum(1 + lv - m**2 - lv, axis=1)),
            "used log_var where",
        ),
        (
            lambda m, lv: -0.5 * np.sum(1 + lv - m**2 - np.exp(lv), axis=1),
            "one KL per image",
        ),
        (
            lambda m, lv: -0.5 * (1 + lv - m**2 - np.exp(lv)),
            "one value per image and dimension",
        ),
        (lambda m, lv: kl_right(m, lv) + 0.5, "expected"),
        (lambda m, lv: np.log(-1.0), "NaN"),
    ],
)
def test_kl_mistakes(wrong, fragment):
    with np.errstate(invalid="ignore"):
        _only(ex.check_kl_loss(wrong, show=False), fragment)


def test_kl_right_answer_passes(capsys):
    assert ex.check_kl_loss(kl_right).passed
    assert "correct" in capsys.readouterr().out


# ---- reconstruction loss -----------------------------------------------------------


def rec_right(logits, images):
    p = _sigmoid(logits)
    per_pixel = -(images * np.log(p) + (1 - images) * np.log(1 - p))
    return per_pixel.reshape(len(images), -1).sum(axis=1).mean()


def _per_pixel(logits, images):
    p = _sigmoid(logits)
    return -(images * np.log(p) + (1 - images) * np.log(1 - p))


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda l, x: _per_pixel(l, x).mean(), "averaged over the pixels"),
        (lambda l, x: _per_pixel(l, x).sum(), "summed over the batch"),
        (lambda l, x: -rec_right(l, x), "sign is flipped"),
        (
            lambda l, x: np.mean(np.sum(-x * np.log(_sigmoid(l)), axis=(1, 2))),
            "(1 - x) log(1 - p) term is missing",
        ),
        (
            lambda l, x: np.mean(
                np.sum(
                    -(
                        _sigmoid(l) * np.log(_sigmoid(l))
                        + (1 - _sigmoid(l)) * np.log(1 - _sigmoid(l))
                    ),
                    axis=(1, 2),
                )
            ),
            "entropy",
        ),
        (
            lambda l, x: np.mean(np.sum((_sigmoid(l) - x) ** 2, axis=(1, 2))),
            "squared error",
        ),
        (lambda l, x: _per_pixel(l, x).sum(axis=(1, 2)), "one loss per image"),
        (lambda l, x: _per_pixel(l, x), "one value per pixel"),
        (
            lambda l, x: np.mean(
                np.sum(-(x * np.log(l) + (1 - x) * np.log(1 - l)), axis=(1, 2))
            ),
            "apply",
        ),
        (lambda l, x: rec_right(l, x) + 1.0, "expected"),
        ("not a function", "expected a function"),
    ],
)
def test_reconstruction_mistakes(wrong, fragment):
    with np.errstate(invalid="ignore", divide="ignore"):
        result = ex.check_reconstruction_loss(wrong, show=False)
    assert not result.passed
    assert any(fragment in text for text in result.problems + result.hints), (
        result.problems,
        result.hints,
    )


def test_reconstruction_right_answers_pass(capsys):
    assert ex.check_reconstruction_loss(rec_right).passed
    assert "correct" in capsys.readouterr().out

    def stable(logits, images):  # from the logits directly, as the package does
        per_pixel = (
            np.maximum(logits, 0) - logits * images + np.log1p(np.exp(-np.abs(logits)))
        )
        return per_pixel.reshape(len(images), -1).sum(axis=1).mean()

    assert ex.check_reconstruction_loss(stable, show=False).passed


def test_reconstruction_matches_the_package():
    torch = pytest.importorskip("torch")
    from aigc_course.torch import reconstruction_loss

    def package(logits, images):
        return reconstruction_loss(torch.as_tensor(logits), torch.as_tensor(images))

    assert ex.check_reconstruction_loss(package, show=False).passed
