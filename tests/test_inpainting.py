"""Inpainting: masks, PSNR, the naive fills, and the two frameworks' Inpainter (parity,
training, bad input)."""

import math

import numpy as np
import pytest
import torch

import aigc_course
from aigc_course.book import parity
from aigc_course.data import masks
from aigc_course.evaluation import imaging
from aigc_course.keras import inpainting as kin
from aigc_course.keras import train as ktrain
from aigc_course.torch import inpainting as tin
from aigc_course.torch import train as ttrain

rng = np.random.default_rng(0)
IMAGES = rng.uniform(size=(6, 16, 16)).astype(np.float32)
MASKS = masks.random_box_masks(6, 16, seed=3)


# ---- masks ---------------------------------------------------------------------


def test_box_masks_are_one_square_in_range_and_seeded():
    m = masks.random_box_masks(200, 16, min_size=3, max_size=7, seed=1)
    assert (
        m.shape == (200, 16, 16)
        and m.dtype == np.float32
        and set(np.unique(m)) == {0.0, 1.0}
    )
    for one in m:
        rows, cols = np.flatnonzero(one.any(1)), np.flatnonzero(one.any(0))
        side = len(rows)
        # a full square
        assert side == len(cols) and 3 <= side <= 7 and one.sum() == side * side
        assert np.all(np.diff(rows) == 1) and np.all(np.diff(cols) == 1)
    sizes = {int(math.isqrt(int(one.sum()))) for one in m}
    assert sizes == set(range(3, 8))  # every size drawn
    np.testing.assert_array_equal(
        m, masks.random_box_masks(200, 16, min_size=3, max_size=7, seed=1)
    )
    assert not np.array_equal(
        m, masks.random_box_masks(200, 16, min_size=3, max_size=7, seed=2)
    )


def test_all_three_box_mask_implementations_agree():
    noise = np.random.default_rng(5).standard_normal((500, 3)).astype(np.float32)
    ref = masks.box_masks_from_noise(noise, 16, 4, 8)
    np.testing.assert_array_equal(
        tin.box_masks(torch.as_tensor(noise), 16, 4, 8).numpy(), ref
    )
    np.testing.assert_array_equal(np.asarray(kin.box_masks(noise, 16, 4, 8)), ref)


def test_centre_mask_and_apply_mask():
    m = masks.centre_mask(8, 4, n=2)
    assert m.shape == (2, 8, 8) and m.sum() == 32 and m[0, 2:6, 2:6].all()
    out = masks.apply_mask(np.ones((2, 8, 8)), m, fill=0.5)
    assert (out[m > 0] == 0.5).all() and (out[m == 0] == 1).all()


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: masks.random_box_masks(0, 16), "n"),
        (lambda: masks.random_box_masks(4, 16, min_size=9, max_size=8), "max_size"),
        (lambda: masks.random_box_masks(4, 16, max_size=17), "max_size"),
        (lambda: masks.random_box_masks(4, 16, seed=-1), "seed"),
        (lambda: masks.centre_mask(8, 9), "box_size"),
        (lambda: masks.box_masks_from_noise(np.zeros((4, 2)), 16, 4, 8), "noise"),
        (lambda: masks.apply_mask(np.zeros((2, 8, 8)), np.zeros((2, 8, 7))), "masks"),
    ],
)
def test_mask_bad_input(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


# ---- PSNR and the naive fills ----------------------------------------------------


def test_psnr_known_values():
    x = rng.uniform(size=(3, 8, 8))
    assert imaging.psnr(x, x) == math.inf
    # MSE 0.01 -> 10 log10(1 / 0.01)
    assert imaging.psnr(x + 0.1, x) == pytest.approx(20.0)
    assert imaging.psnr(x + 0.1, x, data_range=2.0) == pytest.approx(
        20.0 + 20 * math.log10(2)
    )
    y = x.copy()
    y[:, :2] += 0.5  # error only where the mask is
    m = np.zeros_like(x)
    m[:, :2] = 1
    assert imaging.psnr(y, x, mask=m) == pytest.approx(10 * math.log10(1 / 0.25))
    # the known pixels would inflate the score
    assert imaging.psnr(y, x, mask=m) < imaging.psnr(y, x)


@pytest.mark.parametrize(
    "call, argument",
    [
        (
            lambda: imaging.psnr(np.zeros((2, 4)), np.zeros((2, 5))),
            "prediction and target",
        ),
        (lambda: imaging.psnr(np.zeros(4), np.zeros(4), data_range=0), "data_range"),
        (lambda: imaging.psnr(np.zeros(4), np.zeros(4), mask=np.zeros(4)), "mask"),
        (lambda: imaging.psnr(np.zeros(4), np.zeros(4), mask=np.full(4, 0.5)), "mask"),
        (lambda: imaging.psnr(np.array([np.nan]), np.zeros(1)), "prediction"),
        (lambda: imaging.psnr(np.zeros(1), "a"), "target"),
        (
            lambda: imaging.mean_fill(np.zeros((2, 4, 4)), np.ones((2, 4, 4))),
            "every pixel",
        ),
        (lambda: imaging.nearest_fill(np.zeros((4, 4)), np.zeros((4, 4))), "images"),
        (lambda: imaging.diffusion_fill(IMAGES, MASKS, iterations=0), "iterations"),
        (lambda: imaging.load_photo("lena.png"), "name"),
        (lambda: imaging.load_photo(size=2), "size"),
    ],
)
def test_imaging_bad_input(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


def test_fills_keep_known_pixels_and_fill_holes_sensibly():
    known = MASKS == 0
    for fill in (imaging.mean_fill, imaging.nearest_fill, imaging.diffusion_fill):
        out = fill(IMAGES, MASKS)
        assert out.shape == IMAGES.shape and out.dtype == np.float32
        np.testing.assert_allclose(out[known], IMAGES[known], atol=1e-6)
    mean = imaging.mean_fill(IMAGES, MASKS)
    np.testing.assert_allclose(
        mean[0][MASKS[0] > 0], IMAGES[0][MASKS[0] == 0].mean(), rtol=1e-5
    )
    # nearest fill of a left-right ramp with two hidden columns copies the column beside
    # each
    ramp = np.tile(np.linspace(0, 1, 8, dtype=np.float32), (1, 8, 1))
    band = np.zeros_like(ramp)
    band[:, :, 3:5] = 1
    np.testing.assert_array_equal(
        imaging.nearest_fill(ramp, band)[0, :, 3:5], ramp[0][:, [2, 5]]
    )
    hole = masks.centre_mask(8, 2)
    # diffusion recovers a linear ramp exactly (it solves Laplace's equation)
    np.testing.assert_allclose(
        imaging.diffusion_fill(ramp, hole, iterations=500), ramp, atol=1e-4
    )


def test_load_photo_is_small_square_and_in_range():
    photo = imaging.load_photo("flower.jpg", 32)
    assert (
        photo.shape == (32, 32, 3)
        and photo.dtype == np.float32
        and 0 <= photo.min() < photo.max() <= 1
    )


# ---- the model -----------------------------------------------------------------------


def _twins(**kwargs):
    aigc_course.seed_everything(0)
    t, k = tin.Inpainter(**kwargs), kin.Inpainter(**kwargs)
    parity.copy_torch_to_keras(t, k)
    return t, k


def test_parity_with_copied_weights():
    t, k = _twins(image_size=16, channels=8)
    filled_t, filled_k = t.inpaint(IMAGES, MASKS), k.inpaint(IMAGES, MASKS)
    np.testing.assert_allclose(filled_t, filled_k, atol=1e-5)
    # known pixels are kept
    np.testing.assert_array_equal(filled_t[MASKS == 0], IMAGES[MASKS == 0])
    with torch.no_grad():
        loss_t = t.compute_losses(torch.as_tensor(IMAGES), torch.as_tensor(MASKS))[
            "loss"
        ].item()
    assert loss_t == pytest.approx(
        float(k.compute_losses(IMAGES, MASKS)["loss"]), rel=1e-5
    )
    assert (
        tin.masked_mse(
            torch.ones(1, 2, 2),
            torch.zeros(1, 2, 2),
            torch.tensor([[[1.0, 0], [0, 0]]]),
        ).item()
        == 1.0
    )


def test_hidden_pixels_do_not_change_the_output():
    t, k = _twins(image_size=8, channels=4, min_size=2, max_size=4)
    x, m = (
        IMAGES[:, :8, :8],
        masks.random_box_masks(6, 8, min_size=2, max_size=4, seed=0),
    )
    other = np.where(m > 0, 1 - x, x)  # change only what is hidden
    np.testing.assert_allclose(t.inpaint(x, m), t.inpaint(other, m), atol=1e-6)
    np.testing.assert_allclose(k.inpaint(x, m), k.inpaint(other, m), atol=1e-6)


def test_training_reduces_the_loss_in_both_frameworks_alike():
    # 24 smooth-ish images
    x = np.clip(IMAGES[:, None].repeat(4, 1).reshape(-1, 16, 16) * 0.2 + 0.4, 0, 1)
    t, k = _twins(image_size=16, channels=4)
    ht = ttrain(t, x, epochs=3, batch_size=8, seed=1, verbose=0)
    hk = ktrain(k, x, epochs=3, batch_size=8, seed=1, verbose=0)
    assert ht["loss"][-1] < ht["loss"][0] and hk["loss"][-1] < hk["loss"][0]
    # same weights, holes and batches
    np.testing.assert_allclose(ht["loss"][0], hk["loss"][0], rtol=1e-3)


@pytest.mark.parametrize("module", [tin, kin], ids=["torch", "keras"])
@pytest.mark.parametrize(
    "kwargs, argument",
    [({"image_size": 10}, "image_size"), ({"channels": 0}, "channels"),
     ({"max_size": 16}, "max_size"), ({"min_size": 5, "max_size": 4}, "max_size"),
     ({"learning_rate": -1.0}, "learning_rate")],
)  # fmt: skip
def test_inpainter_bad_arguments(module, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        module.Inpainter(**kwargs)


@pytest.mark.parametrize("module", [tin, kin], ids=["torch", "keras"])
def test_inpaint_bad_input(module):
    model = module.Inpainter(image_size=8, channels=2, min_size=2, max_size=4)
    with pytest.raises(ValueError, match="images"):
        model.inpaint(np.zeros((2, 16, 16)), np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="masks"):
        model.inpaint(np.zeros((2, 8, 8)), np.full((2, 8, 8), 2.0))


def test_same_signatures():
    import inspect

    for name in ("Inpainter", "box_masks", "masked_mse"):
        tp = [
            (p.name, p.default)
            for p in inspect.signature(getattr(tin, name)).parameters.values()
        ]
        kp = [
            (p.name, p.default)
            for p in inspect.signature(getattr(kin, name)).parameters.values()
        ]
        assert tp == kp, name
    for method in ("inpaint", "compute_losses"):
        assert (
            inspect.signature(getattr(tin.Inpainter, method)).parameters.keys()
            == inspect.signature(getattr(kin.Inpainter, method)).parameters.keys()
        )
