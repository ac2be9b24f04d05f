"""GAN training in both frameworks: history, budgets, callbacks, options,
determinism."""

import numpy as np
import pytest
import torch
from _model_cases import build_gan, digits

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac

FRAMEWORKS = pytest.mark.parametrize("ac", [tac, kac], ids=["torch", "keras"])
KEYS = ["d_fake", "d_loss", "d_real", "g_loss", "step"]


@FRAMEWORKS
def test_history_budget_in_steps_and_sample_grids(ac):
    seed_everything(0)
    gan = build_gan(ac, "mlp")
    grids = []
    # 64 images in batches of 16: 4 steps per epoch, so 9 steps are epochs of 4, 4 and 1
    history = ac.train(
        gan,
        digits(8, n=64),
        steps=9,
        batch_size=16,
        sample_every=2,
        num_samples=6,
        on_samples=lambda epoch, images: grids.append((epoch, images)),
    )
    assert sorted(history) == KEYS
    assert all(len(v) == 3 and np.isfinite(v).all() for v in history.values())
    assert history["step"] == [4, 8, 9]  # a short last epoch records its own steps
    assert all(0 < p < 1 for p in history["d_real"] + history["d_fake"])
    assert [epoch for epoch, _ in grids] == [1]
    assert grids[0][1].shape == (6, 8, 8) and np.abs(grids[0][1]).max() <= 1


@FRAMEWORKS
def test_same_seed_same_run(ac):
    runs = []
    for _ in range(2):
        seed_everything(0)
        runs.append(
            ac.train(
                build_gan(ac, "dcgan"), digits(8, n=64), epochs=2, batch_size=32, seed=1
            )
        )
    assert runs[0] == runs[1]


@FRAMEWORKS
def test_loss_options_change_the_generator_objective(ac):
    images = digits(8, n=64)
    results = {}
    for loss, smoothing in (
        ("non_saturating", 0.0),
        ("minimax", 0.0),
        ("non_saturating", 0.2),
    ):
        seed_everything(0)
        results[loss, smoothing] = ac.train(
            build_gan(ac, "mlp", loss=loss, label_smoothing=smoothing),
            images,
            steps=1,
            batch_size=64,
        )
    ns, mm, smooth = (
        results["non_saturating", 0.0],
        results["minimax", 0.0],
        results["non_saturating", 0.2],
    )
    assert ns["g_loss"][0] > 0 > mm["g_loss"][0]  # -log D(G(z)) > 0 > log(1 - D(G(z)))
    assert ns["d_loss"] == mm["d_loss"]  # the first D step does not depend on G's loss
    # real targets 0.8 instead of 1
    assert smooth["d_loss"][0] != pytest.approx(ns["d_loss"][0])


def test_label_smoothing_is_one_sided():
    """BCE(l, 1 - s) - BCE(l, 1) = s * l: only the real term changes."""
    import torch

    seed_everything(0)
    plain, smooth = build_gan(tac, "mlp"), build_gan(tac, "mlp", label_smoothing=0.2)
    smooth.load_state_dict(plain.state_dict())
    images, noise = torch.as_tensor(digits(8, n=16)), torch.randn(16, 16)
    real_logits = plain.discriminator(images)
    gap = (
        smooth.compute_losses(images, noise)["d_loss"]
        - plain.compute_losses(images, noise)["d_loss"]
    )
    assert float(gap.detach()) == pytest.approx(
        0.2 * float(real_logits.mean().detach()), abs=1e-6
    )


@FRAMEWORKS
def test_conditional_gan_trains_and_samples_requested_labels(ac):
    seed_everything(0)
    gan = build_gan(ac, "cond_dcgan")
    images, labels = digits(8, n=64, with_labels=True)
    history = ac.train(gan, images, labels, epochs=1, batch_size=32)
    assert sorted(history) == KEYS
    assert gan.sample(3, labels=[7, 7, 7]).shape == (3, 8, 8)
    a, b = gan.sample(2, labels=[1, 1]), gan.sample(2, labels=[2, 2])
    assert not np.allclose(a, b)  # the label changes the image for the same noise


def test_torch_fit_is_train():
    seed_everything(0)
    a = build_gan(tac, "mlp").fit(digits(8, n=64), epochs=1, batch_size=32)
    seed_everything(0)
    b = tac.train(build_gan(tac, "mlp"), digits(8, n=64), epochs=1, batch_size=32)
    assert a == b


@FRAMEWORKS
def test_fit_is_the_course_trainer(ac):
    """``model.fit`` in either framework goes through ``train``: same checks, same
    numbers."""
    seed_everything(0)
    fitted = build_gan(ac, "mlp").fit(digits(8, n=64), batch_size=32, epochs=2)
    seed_everything(0)
    trained = ac.train(build_gan(ac, "mlp"), digits(8, n=64), batch_size=32, epochs=2)
    assert sorted(fitted) == KEYS and len(fitted["d_loss"]) == 2
    assert fitted == trained


def _weights(ac, network):
    if ac is tac:
        return [p.detach().numpy().copy() for p in network.parameters()]
    return [np.asarray(w).copy() for w in network.trainable_weights or network.weights]


@FRAMEWORKS
def test_ema_generator_is_the_moving_average_and_draws_the_samples(ac):
    seed_everything(0)
    gan = build_gan(ac, "mlp", ema_decay=0.9)
    start = _weights(ac, gan.generator)
    for average, weight in zip(_weights(ac, gan.generator_ema), start):
        # the average starts at G's weights
        np.testing.assert_array_equal(average, weight)
    ac.train(gan, digits(8, n=64), steps=1, batch_size=32)
    after = _weights(ac, gan.generator)
    for average, old, new in zip(
        _weights(ac, gan.generator_ema), start, after, strict=True
    ):
        assert not np.allclose(old, new)
        np.testing.assert_allclose(average, old + 0.1 * (new - old), atol=1e-7, rtol=0)
    # samples come from the average, not from the generator being trained
    z = np.random.default_rng(0).standard_normal((4, 16)).astype(np.float32)
    raw = gan.generator(z if ac is kac else torch.as_tensor(z))
    raw = np.asarray(raw.detach() if ac is tac else raw).reshape(4, 8, 8)
    assert not np.allclose(gan.sample(4, seed=0), raw, atol=1e-4)


def _adam(ac, optimizer):
    """``(learning rate, beta_1)`` of an Adam optimizer of either framework."""
    if ac is tac:
        return optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["betas"][0]
    return float(optimizer.learning_rate), float(optimizer.beta_1)


@FRAMEWORKS
def test_d_learning_rate_sets_only_the_discriminator_step(ac):
    gan = build_gan(ac, "mlp", learning_rate=2e-3, d_learning_rate=1e-4)
    assert (
        _adam(ac, gan.g_optimizer)[0],
        _adam(ac, gan.d_optimizer)[0],
    ) == pytest.approx((2e-3, 1e-4))
    gan = build_gan(ac, "mlp", learning_rate=2e-3, d_learning_rate=None)
    assert (
        _adam(ac, gan.g_optimizer)[0],
        _adam(ac, gan.d_optimizer)[0],
    ) == pytest.approx((2e-3, 2e-3))


@FRAMEWORKS
def test_defaults_are_the_measured_best_settings(ac):
    """G at 1e-3, D at half that, no momentum, samples from a 0.99 moving average
    (benchmarks/README.md)."""
    gan = build_gan(ac, "mlp")
    assert _adam(ac, gan.g_optimizer) == pytest.approx((1e-3, 0.0))
    assert _adam(ac, gan.d_optimizer) == pytest.approx((5e-4, 0.0))
    assert gan.ema_decay == 0.99 and gan.generator_ema is not None
    # 0 turns the average off
    assert build_gan(ac, "mlp", ema_decay=0.0).generator_ema is None


def test_torch_generator_step_leaves_discriminator_trainable():
    """D's weights are frozen only inside the G step: afterwards every flag is back."""
    seed_everything(0)
    gan = build_gan(tac, "mlp")
    tac.train(gan, digits(8, n=64), steps=2, batch_size=32)
    assert all(p.requires_grad for p in gan.discriminator.parameters())
    assert all(p.requires_grad for p in gan.generator.parameters())
