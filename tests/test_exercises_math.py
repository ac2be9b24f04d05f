"""The chapter-4 checkers accept the right answer and name the typical mistakes."""

import numpy as np
import pytest
from scipy.special import xlogy

from aigc_course.exercises import math as ex
from aigc_course.maths import theory as th


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert len(result.problems) >= 1
    assert any(fragment in p for p in result.problems), result.problems


# ---- Gaussian KL ----------------------------------------------------------


def kl_right(mu, log_var):
    return -0.5 * np.sum(1 + log_var - mu**2 - np.exp(log_var), axis=-1)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda m, lv: 0.5 * np.sum(1 + lv - m**2 - np.exp(lv), axis=-1),
            "did you drop the minus sign",
        ),
        (lambda m, lv: -np.sum(1 + lv - m**2 - np.exp(lv), axis=-1), "factor 1/2"),
        (
            lambda m, lv: -0.5 * np.mean(1 + lv - m**2 - np.exp(lv), axis=-1),
            "averaged over the latent dimensions",
        ),
        (
            lambda m, lv: -0.5 * np.sum(1 + lv - m**2 - np.exp(2 * lv), axis=-1),
            "exp(2 log_var)",
        ),
        (
            lambda m, lv: -0.5 * np.sum(1 + lv + m**2 - np.exp(lv), axis=-1),
            "mu^2 term has the wrong sign",
        ),
        (lambda m, lv: -0.5 * (1 + lv - m**2 - np.exp(lv)), "sum over the last axis"),
        (
            lambda m, lv: -0.5 * np.sum(1 + lv - m**2 - np.exp(lv)),
            "one number for the whole batch",
        ),
        (lambda m, lv: 1 / 0, "raised ZeroDivisionError"),
        ("not a function", "expected a function"),
    ],
)
def test_gaussian_kl_mistakes(wrong, fragment):
    _only(ex.check_gaussian_kl(wrong, show=False), fragment)


def test_gaussian_kl_right_answer_passes(capsys):
    assert ex.check_gaussian_kl(kl_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_gaussian_kl(th.gaussian_kl, show=False).passed


# ---- binary cross-entropy ---------------------------------------------------


def bce_right(y, p):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda y, p: -np.mean(y * np.log(p)), "(1 - y) log(1 - p) term is missing"),
        (lambda y, p: np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), "negative"),
        (
            lambda y, p: -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)),
            "summed over the batch",
        ),
        (
            lambda y, p: -np.mean(y * np.log2(p) + (1 - y) * np.log2(1 - p)),
            "log base 2",
        ),
        (
            lambda y, p: -np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p)),
            "log base 10",
        ),
        (
            lambda y, p: -np.mean((1 - y) * np.log(p) + y * np.log(1 - p)),
            "pairs with y",
        ),
        (
            lambda y, p: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
            "one loss per example",
        ),
        (lambda y, p: 0.1234, "the same answer whatever its inputs"),
        (lambda y, p: 0.1234 + y.sum(), "expected"),
    ],
)
def test_bce_mistakes(wrong, fragment):
    _only(ex.check_bce(wrong, show=False), fragment)


def test_bce_right_answer_passes():
    assert ex.check_bce(bce_right, show=False).passed
    assert ex.check_bce(th.binary_cross_entropy, show=False).passed


# ---- optimal discriminator and JSD -------------------------------------------


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda pd, pg: pg / (pd + pg), "p_data goes in the numerator"),
        (lambda pd, pg: pd / pg, "density ratio"),
        (lambda pd, pg: np.full_like(pd, 0.5), "constant 0.5"),
        (lambda pd, pg: pd - pg, "probability"),
        (lambda pd, pg: pd[:10] / (pd[:10] + pg[:10]), "one D*(x) per grid point"),
    ],
)
def test_optimal_discriminator_mistakes(wrong, fragment):
    _only(ex.check_optimal_discriminator(wrong, show=False), fragment)


def test_optimal_discriminator_right_answer_passes():
    assert ex.check_optimal_discriminator(
        lambda pd, pg: pd / (pd + pg), show=False
    ).passed


def js_right(p, q):
    m = (p + q) / 2
    return 0.5 * np.sum(xlogy(p, p / m)) + 0.5 * np.sum(xlogy(q, q / m))


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda p, q: js_right(p, q) / np.log(2), "log base 2"),
        (lambda p, q: 2 * js_right(p, q), "forgot to halve"),
        (
            lambda p, q: (
                0.5 * np.sum(xlogy(p, p / (p + q)))
                + 0.5 * np.sum(xlogy(q, q / (p + q)))
            ),
            "not p + q",
        ),
        (lambda p, q: np.sum(xlogy(p, p / ((p + q) / 2))), "only KL(p || m)"),
        (
            lambda p, q: (
                0.5 * np.sum(p * np.log(p / ((p + q) / 2)))
                + 0.5 * np.sum(q * np.log(q / ((p + q) / 2)))
            ),
            "not finite",
        ),
        (
            lambda p, q: (
                np.sum(xlogy(p, p / q))
                if np.all(q > 0)
                else np.sum(xlogy(q, q / (p + 1e-3)))
            ),
            "symmetric",
        ),
    ],
)
def test_js_divergence_mistakes(wrong, fragment):
    with np.errstate(all="ignore"):
        _only(ex.check_js_divergence(wrong, show=False), fragment)


def test_js_divergence_right_answer_passes():
    assert ex.check_js_divergence(js_right, show=False).passed
    assert ex.check_js_divergence(th.js_divergence, show=False).passed


# ---- generator gradient --------------------------------------------------------


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda d: -d, "saturating loss's gradient"),
        (lambda d: 1 - d, "sign is flipped"),
        (lambda d: -1 / d, "with respect to D"),
        (lambda d: d[:2], "one gradient per value"),
        (lambda d: np.zeros_like(d), "expected"),
    ],
)
def test_generator_gradient_mistakes(wrong, fragment):
    _only(ex.check_generator_gradient(wrong, show=False), fragment)


def test_generator_gradient_right_answer_passes():
    assert ex.check_generator_gradient(lambda d: d - 1, show=False).passed


# ---- posterior of the linear-Gaussian model -------------------------------------


def posterior_right(x, w, b, s):
    var = s**2 / (s**2 + w**2)
    return w * (x - b) / (s**2 + w**2), var


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda x, w, b, s: ((x - b) / w, s**2 / w**2), "ignores the prior"),
        (
            lambda x, w, b, s: (
                posterior_right(x, w, b, s)[0],
                np.sqrt(posterior_right(x, w, b, s)[1]),
            ),
            "standard deviation",
        ),
        (
            lambda x, w, b, s: (w * x / (s**2 + w**2), posterior_right(x, w, b, s)[1]),
            "subtract the offset b",
        ),
        (lambda x, w, b, s: posterior_right(x, w, b, s)[0], "expected a pair"),
    ],
)
def test_linear_gaussian_posterior_mistakes(wrong, fragment):
    _only(ex.check_linear_gaussian_posterior(wrong, show=False), fragment)


def test_linear_gaussian_posterior_right_answer_passes():
    assert ex.check_linear_gaussian_posterior(posterior_right, show=False).passed
    assert ex.check_linear_gaussian_posterior(
        th.linear_gaussian_posterior, show=False
    ).passed


def test_gaussian_kl_accepts_a_torch_tensor_that_requires_grad():
    import torch

    def in_torch(mu, log_var):
        mu, log_var = (
            torch.tensor(np.asarray(a), requires_grad=True) for a in (mu, log_var)
        )
        return 0.5 * (mu**2 + log_var.exp() - 1 - log_var).sum(-1)

    assert ex.check_gaussian_kl(in_torch, show=False).passed
