"""The math helpers of chapter 4 against independent computations (SciPy, Monte Carlo,
brute force)."""

import numpy as np
import pytest
from scipy import stats

from aigc_course.maths import theory as th

GRID = np.linspace(-10, 12, 20001)
DX = GRID[1] - GRID[0]


def test_normal_pdf_matches_scipy():
    x = np.linspace(-3, 3, 7)
    assert np.allclose(th.normal_pdf(x, 1.0, 4.0), stats.norm(1.0, 2.0).pdf(x))


def test_optimal_discriminator_maximises_the_integrand_pointwise():
    p_data, p_g = th.normal_pdf(GRID, 2.0, 1.0), th.normal_pdf(GRID, 0.0, 2.0)
    d_star = th.optimal_discriminator(p_data, p_g)
    idx = slice(8000, 12000, 500)
    candidates = np.linspace(1e-4, 1 - 1e-4, 9999)[:, None]
    integrand = p_data[idx] * np.log(candidates) + p_g[idx] * np.log(1 - candidates)
    assert np.allclose(candidates[integrand.argmax(axis=0), 0], d_star[idx], atol=2e-4)


def test_optimal_discriminator_is_half_where_both_densities_vanish():
    assert np.allclose(th.optimal_discriminator([0.0, 1.0], [0.0, 3.0]), [0.5, 0.25])


def test_gan_value_at_optimum_is_minus_log4_plus_twice_jsd():
    p_data, p_g = th.normal_pdf(GRID, 2.0, 1.0), th.normal_pdf(GRID, -1.0, 0.5)
    value = th.gan_value(th.optimal_discriminator(p_data, p_g), p_data, p_g, DX)
    assert value == pytest.approx(
        -np.log(4) + 2 * th.js_divergence(p_data, p_g, DX), abs=1e-8
    )
    same = th.gan_value(np.full_like(GRID, 0.5), p_data, p_data, DX)
    assert same == pytest.approx(-np.log(4), abs=1e-6)


def test_kl_and_js_properties():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])
    assert th.kl_divergence(p, q) == pytest.approx(np.log(2))
    assert th.kl_divergence(q, p) == float("inf")
    assert th.js_divergence(p, q) == pytest.approx(th.js_divergence(q, p))
    assert th.js_divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.log(2))
    assert th.js_divergence(p, p) == pytest.approx(0.0)


def test_gaussian_kl_matches_general_normal_kl_and_monte_carlo():
    mu, log_var = np.array([[0.3, -1.0]]), np.log(np.array([[0.5, 2.0]]))
    closed = th.gaussian_kl(mu, log_var)
    per_dim = th.normal_kl(mu, np.exp(log_var), 0.0, 1.0)
    assert closed.shape == (1,) and closed[0] == pytest.approx(per_dim.sum())
    rng = np.random.default_rng(0)
    z = mu + np.exp(0.5 * log_var) * rng.standard_normal((200_000, 2))
    log_q = stats.norm(mu, np.exp(0.5 * log_var)).logpdf(z).sum(axis=1)
    log_p = stats.norm().logpdf(z).sum(axis=1)
    assert np.mean(log_q - log_p) == pytest.approx(closed[0], abs=0.01)


def test_linear_gaussian_elbo_is_below_evidence_and_tight_at_the_posterior():
    w, b, s = 1.5, -0.5, 0.7
    x = np.array([-2.0, 0.0, 1.3])
    log_px = th.linear_gaussian_log_evidence(x, w, b, s)
    assert np.allclose(log_px, stats.norm(b, np.sqrt(w**2 + s**2)).logpdf(x))
    mean, var = th.linear_gaussian_posterior(x, w, b, s)
    assert np.allclose(th.linear_gaussian_elbo(x, mean, var, w, b, s), log_px)
    other = th.linear_gaussian_elbo(x, mean + 0.3, var * 2, w, b, s)
    # log p(x) - ELBO = KL(q || posterior)
    gap = th.normal_kl(mean + 0.3, var * 2, mean, var)
    assert np.all(other < log_px) and np.allclose(log_px - other, gap)


def test_binary_cross_entropy_matches_the_formula_and_handles_zero_times_log_zero():
    y, p = np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.4])
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert th.binary_cross_entropy(y, p) == pytest.approx(expected)
    assert th.binary_cross_entropy(y, p, "sum") == pytest.approx(3 * expected)
    assert th.binary_cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert th.binary_cross_entropy([1.0], [0.0]) == float("inf")


def test_generator_loss_gradient_matches_finite_differences():
    logits = np.linspace(-6, 6, 13)
    h = 1e-6
    for loss, f in [
        ("saturating", lambda a: np.log(1 - th.sigmoid(a))),
        ("non-saturating", lambda a: -np.log(th.sigmoid(a))),
    ]:
        numeric = (f(logits + h) - f(logits - h)) / (2 * h)
        assert np.allclose(
            th.generator_loss_gradient(th.sigmoid(logits), loss), numeric, atol=1e-6
        )


def test_linear_gan_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    x, z = rng.normal(3, 0.5, 32), rng.normal(size=32)
    params = {"a": 1.2, "b": 0.3, "w": 0.4, "c": -0.2}

    def losses(p):
        fake = p["a"] * z + p["b"]
        d_real, d_fake = (
            th.sigmoid(p["w"] * x + p["c"]),
            th.sigmoid(p["w"] * fake + p["c"]),
        )
        return -np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake)), -np.mean(
            np.log(d_fake)
        )

    grads, h = th.linear_gan_gradients(params, x, z), 1e-6
    for key, which in [("w", 0), ("c", 0), ("a", 1), ("b", 1)]:
        up, down = (
            dict(params, **{key: params[key] + h}),
            dict(params, **{key: params[key] - h}),
        )
        assert grads[key] == pytest.approx(
            (losses(up)[which] - losses(down)[which]) / (2 * h), abs=1e-6
        )


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: th.optimal_discriminator([-0.1], [1.0]), "p_data"),
        (lambda: th.optimal_discriminator([0.1, 0.2], [1.0]), "p_data and p_g"),
        (lambda: th.gan_value([1.5], [1.0], [1.0]), "d must"),
        (lambda: th.gan_value([0.5], [1.0], [1.0], dx=0), "dx"),
        (lambda: th.js_divergence([0.5], [np.nan]), "q must"),
        (lambda: th.gaussian_kl([0.0, 1.0], [0.0]), "mu and log_var"),
        (lambda: th.normal_kl(0.0, -1.0, 0.0, 1.0), "var_q"),
        (lambda: th.linear_gaussian_log_evidence(0.0, 1.0, 0.0, 0.0), "s must"),
        (lambda: th.linear_gaussian_posterior(0.0, "a", 0.0, 1.0), "w must"),
        (lambda: th.linear_gaussian_elbo(0.0, 0.0, 0.0, 1.0, 0.0, 1.0), "q_var"),
        (lambda: th.binary_cross_entropy([2.0], [0.5]), "y must"),
        (lambda: th.binary_cross_entropy([1.0], [1.5]), "p must"),
        (lambda: th.binary_cross_entropy([1.0], [0.5], reduction="avg"), "reduction"),
        (lambda: th.generator_loss_gradient([0.5], loss="minimax"), "loss must"),
        (lambda: th.linear_gan_gradients({"a": 1.0}, [1.0], [0.0]), "params"),
        (
            lambda: th.linear_gan_gradients(
                {"a": 1, "b": 0, "w": 1, "c": 0}, [], [0.0]
            ),
            "x_real and z",
        ),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_bce_with_logits_matches_the_probability_form_and_stays_finite():
    logits = np.array([-30.0, -2.0, 0.0, 1.5, 40.0])
    targets = np.array([0.0, 1.0, 0.5, 0.9, 1.0])
    np.testing.assert_allclose(
        th.bce_with_logits(logits[1:4], targets[1:4]),
        th.binary_cross_entropy(
            targets[1:4], th.sigmoid(logits[1:4]), reduction="none"
        ),
        rtol=1e-12,
    )
    # no log(0) at large |logit|
    assert np.isfinite(th.bce_with_logits(logits, 1 - targets)).all()
    assert th.bce_with_logits(np.array([40.0]), np.array([0.0]))[0] == pytest.approx(
        40.0
    )
