"""Repairing images with an unconditional diffusion model (RePaint, Lugmayr et al.,
2022): the NumPy sampler and ``DDPM.inpaint`` in both frameworks.

The sampler is checked against what the replacement must do: the known pixels
come back exactly, between steps they follow q(x_t | known) at the step just
taken, an all-known mask returns the images and an all-missing one is plain
sampling.  The models are checked as the other diffusion methods are: the same
weights copied across give the same repairs.
"""

import numpy as np
import pytest
from test_diffusion import SAMPLE_ATOL, _copied

from aigc_course.maths import diffusion

RNG = np.random.default_rng
T = 100
ALPHA_BARS = diffusion.alpha_bar(diffusion.noise_schedule("cosine", T))


def _network(x, t):
    """A stand-in for a trained network: smooth in x and in t, the same every call."""
    return (0.5 * np.tanh(x) + 0.1 * t[:, None]).astype(np.float32)


def _problem(n=4, dim=12, seed=0):
    rng = RNG(seed)
    noise = rng.standard_normal((n, dim)).astype(np.float32)
    known = rng.uniform(-1, 1, (n, dim)).astype(np.float32)
    mask = (rng.uniform(size=(n, dim)) < 0.4).astype(np.float32)
    return noise, known, mask


@pytest.mark.parametrize("method", diffusion.DDPM_METHODS)
def test_known_pixels_come_back_exactly_and_the_hole_is_sampled(method):
    noise, known, mask = _problem()
    out = diffusion.sample_ddpm(
        _network, noise, ALPHA_BARS, 8, method, seed=3, known=known, mask=mask
    )
    np.testing.assert_array_equal(out[mask == 0], known[mask == 0])
    assert np.all(np.abs(out[mask == 1] - known[mask == 1]) > 0), "the hole is drawn"


def _repair_with(method, mask_like):
    """The repair of the test problem under an all-0 or all-1 mask."""
    noise, known, _ = _problem()
    return (
        noise,
        known,
        diffusion.sample_ddpm(
            _network,
            noise,
            ALPHA_BARS,
            8,
            method,
            seed=3,
            known=known,
            mask=mask_like(known),
        ),
    )


@pytest.mark.parametrize("method", diffusion.DDPM_METHODS)
def test_an_all_known_mask_returns_the_images(method):
    _, known, out = _repair_with(method, np.zeros_like)
    np.testing.assert_array_equal(out, known)


@pytest.mark.parametrize("method", diffusion.DDPM_METHODS)
def test_an_all_missing_mask_is_plain_sampling_from_the_same_noise(method):
    noise, _, repaired = _repair_with(method, np.ones_like)
    plain = diffusion.sample_ddpm(_network, noise, ALPHA_BARS, 8, method, seed=3)
    np.testing.assert_array_equal(repaired, plain)


def test_between_steps_the_known_pixels_follow_q_at_the_step_just_taken():
    # many copies of one known pixel: their mean and variance after each step are
    # those of q(x_{t_prev} | known), Monte Carlo
    n, value = 20000, 0.7
    noise = RNG(1).standard_normal((n, 2)).astype(np.float32)
    known = np.full((n, 2), value, np.float32)
    mask = np.tile(np.array([[0.0, 1.0]], np.float32), (n, 1))
    path = diffusion.sample_ddpm(
        _network,
        noise,
        ALPHA_BARS,
        5,
        seed=2,
        trajectory=True,
        known=known,
        mask=mask,
    )
    schedule = diffusion.sampling_timesteps(T, 5)
    for step, t_prev in enumerate(schedule[1:], start=1):
        a = ALPHA_BARS[t_prev]
        pixel = path[step][:, 0]
        assert abs(pixel.mean() - np.sqrt(a) * value) < 0.03, f"mean at {t_prev}"
        assert abs(pixel.var() - (1 - a)) < 0.03 * max(1 - a, 0.1), f"var at {t_prev}"
    np.testing.assert_array_equal(path[-1][:, 0], known[:, 0])


def test_the_sampler_refuses_half_a_repair_or_a_misshapen_mask():
    noise, known, mask = _problem()
    with pytest.raises(ValueError, match="known and mask go together"):
        diffusion.sample_ddpm(_network, noise, ALPHA_BARS, 4, known=known)
    with pytest.raises(ValueError, match=r"mask must have the shape of x \(4, 12\)"):
        diffusion.sample_ddpm(
            _network, noise, ALPHA_BARS, 4, known=known, mask=mask[:, :5]
        )


# --------------------------------------------------------------------------
# DDPM.inpaint, both frameworks
# --------------------------------------------------------------------------


def _images(n=5, seed=3):
    rng = RNG(seed)
    images = rng.uniform(0, 1, (n, 8, 8)).astype(np.float32)
    masks = np.zeros((n, 8, 8), np.float32)
    masks[:, 2:6, 1:5] = 1.0
    return images, masks


@pytest.mark.parametrize("name", ["ddpm", "ddpm_cond"])
def test_copied_weights_give_the_same_repairs_and_keep_the_known_pixels(name):
    t, k = _copied(name)
    images, masks = _images()
    labels = np.arange(5) if t.num_classes else None
    for method in diffusion.DDPM_METHODS:
        r_t = t.inpaint(images, masks, seed=4, steps=12, method=method, labels=labels)
        r_k = k.inpaint(images, masks, seed=4, steps=12, method=method, labels=labels)
        assert r_t.shape == r_k.shape == images.shape and r_t.dtype == np.float32
        np.testing.assert_allclose(r_t, r_k, atol=SAMPLE_ATOL, rtol=0, err_msg=method)
        for repaired in (r_t, r_k):
            np.testing.assert_array_equal(repaired[masks == 0], images[masks == 0])
            assert repaired.min() >= 0 and repaired.max() <= 1
    first, other = t.inpaint(images, masks, seed=4), t.inpaint(images, masks, seed=5)
    assert not np.allclose(first[masks == 1], other[masks == 1]), "the seed matters"


def test_repairing_an_all_missing_image_is_sampling_in_the_unit_range():
    t, k = _copied("ddpm")
    images, _ = _images()
    for model in (t, k):
        repaired = model.inpaint(images, np.ones_like(images), seed=2, steps=10)
        sampled = (model.sample(len(images), seed=2, steps=10) + 1) / 2
        np.testing.assert_allclose(repaired, sampled, atol=1e-6, rtol=0)
