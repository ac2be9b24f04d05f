"""A GAN for 2-D points, to watch training dynamics and mode collapse (Keras 3).

The image GANs of :mod:`aigc_course.keras.gan` only take square images, so the
2-D toy problems of the book (:func:`aigc_course.data.ring_of_gaussians`) use
this small pair and :func:`train_toy_gan`.  The PyTorch twin,
:mod:`aigc_course.torch.toy`, has the same names and arguments, draws the same
batches and noise from NumPy, and gives the same numbers with copied weights.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from aigc_course.core import training as common
from aigc_course.core.checks import check_kind, check_latent_shape
from aigc_course.keras._core import nudge_weights
from aigc_course.keras._layers import bce_with_logits, dense, own_message
from aigc_course.keras.gan import generator_loss


class ToyGenerator(keras.Model):
    """z (latent_dim) -> hidden -> hidden -> a 2-D point; ReLU, linear output."""

    def __init__(self, latent_dim: int = 2, hidden: int = 64):
        super().__init__()
        self.latent_dim = common.check_int("latent_dim", latent_dim)
        hidden = common.check_int("hidden", hidden)
        self.net = keras.Sequential([
            dense(latent_dim, hidden), layers.ReLU(),
            dense(hidden, hidden), layers.ReLU(),
            dense(hidden, 2),
        ])  # fmt: skip
        self(np.zeros((1, latent_dim), "float32"))  # build the weights now

    def call(self, z, training=False):
        return self.net(_vectors(z, self.latent_dim, "z"), training=training)  # (N, 2)


class ToyDiscriminator(keras.Model):
    """A 2-D point -> hidden -> hidden -> 1 logit; LeakyReLU(0.2)."""

    def __init__(self, hidden: int = 64):
        super().__init__()
        hidden = common.check_int("hidden", hidden)
        self.net = keras.Sequential([
            dense(2, hidden), layers.LeakyReLU(0.2),
            dense(hidden, hidden), layers.LeakyReLU(0.2),
            dense(hidden, 1),
        ])  # fmt: skip
        self(np.zeros((1, 2), "float32"))

    def call(self, points, training=False):
        # (N, 1) logits
        return self.net(_vectors(points, 2, "points"), training=training)


@own_message()
def _vectors(x, dim: int, name: str):
    """``x`` as float32 ``(N, dim)``, as the PyTorch twin checks it (the shape only)."""
    x = ops.convert_to_tensor(x, "float32")
    check_latent_shape(x.shape, dim, name)
    return x


def toy_generator_loss(fake_logits, loss: str = "non_saturating"):
    """Non-saturating: -log D(G(z)) = BCE(fake, 1).  Minimax: log(1 - D(G(z))) =
    -BCE(fake, 0)."""
    return generator_loss(
        fake_logits, common.check_choice("loss", loss, common.GAN_LOSSES)
    )


def train_toy_gan(
    generator: ToyGenerator,
    discriminator: ToyDiscriminator,
    points,
    *,
    steps: int = 1000,
    batch_size: int = 128,
    loss: str = "non_saturating",
    label_smoothing: float = 0.0,
    learning_rate: float = 1e-3,
    beta_1: float = 0.5,
    d_steps: int = 1,
    g_steps: int = 1,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train the pair on ``points`` ``(N, 2)`` with Adam; return the per-step history.

    Same arguments, batches, noise and history keys as the PyTorch twin (see
    :func:`aigc_course.torch.toy.train_toy_gan`).
    """
    points = _check_args(
        generator,
        discriminator,
        points,
        steps,
        batch_size,
        loss,
        label_smoothing,
        learning_rate,
        beta_1,
        d_steps,
        g_steps,
        seed,
    )
    nudge_weights(generator)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    nudge_weights(discriminator)
    # epsilon=1e-8 is PyTorch's default (Keras' is 1e-7).
    g_opt = keras.optimizers.Adam(
        learning_rate, beta_1=beta_1, beta_2=0.999, epsilon=1e-8
    )
    d_opt = keras.optimizers.Adam(
        learning_rate, beta_1=beta_1, beta_2=0.999, epsilon=1e-8
    )
    g_vars, d_vars = generator.trainable_variables, discriminator.trainable_variables
    real_target = 1.0 - label_smoothing

    @tf.function(jit_compile=False)
    def d_step(real, z):
        # (1) Update D on real and stop-gradient fake points: G is not changed here.
        with tf.GradientTape() as tape:
            fake = ops.stop_gradient(generator(z, training=True))
            real_logits, fake_logits = (
                discriminator(real, training=True),
                discriminator(fake, training=True),
            )
            d_loss = bce_with_logits(
                ops.full_like(real_logits, real_target), real_logits
            ) + bce_with_logits(ops.zeros_like(fake_logits), fake_logits)
        d_opt.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        return (
            d_loss,
            ops.mean(ops.sigmoid(real_logits)),
            ops.mean(ops.sigmoid(fake_logits)),
        )

    @tf.function(jit_compile=False)
    def g_step(z):
        # (2) Update G through D's judgement; the tape's gradient is taken for G's
        # weights only.
        with tf.GradientTape() as tape:
            g_loss = toy_generator_loss(
                discriminator(generator(z, training=True), training=True), loss
            )
        grads = tape.gradient(g_loss, g_vars)
        g_opt.apply_gradients(zip(grads, g_vars))
        return g_loss, tf.linalg.global_norm(grads)

    rng = np.random.default_rng(seed)
    history = {}
    for round_ in range(steps):
        for _ in range(d_steps):
            d_loss, d_real, d_fake = d_step(
                *_draw(rng, points, batch_size, generator.latent_dim)
            )
        for _ in range(g_steps):
            g_loss, grad_norm = g_step(
                rng.standard_normal(
                    (batch_size, generator.latent_dim), dtype=np.float32
                )
            )
        values = (d_loss, g_loss, d_real, d_fake, grad_norm)
        common.record(history, round_ + 1, dict(zip(common.TOY_GAN_KEYS, values)))
    return history


def sample_points(
    generator: ToyGenerator, num_samples: int = 1000, seed: int = 0
) -> np.ndarray:
    """``num_samples`` generated points ``(N, 2)`` as NumPy; the noise comes from NumPy
    with ``seed``."""
    check_kind("generator", generator, (ToyGenerator,), "a toy generator")
    z = common.sample_noise(num_samples, generator.latent_dim, seed)
    return ops.convert_to_numpy(generator(z, training=False))


def _draw(rng, points, batch_size, latent_dim):
    """One batch of real points and of noise, from NumPy (the same in both
    frameworks)."""
    real = points[rng.integers(0, len(points), size=batch_size)]  # (B, 2)
    # (B, latent)
    return real, rng.standard_normal((batch_size, latent_dim), dtype=np.float32)


def _check_args(
    generator,
    discriminator,
    points,
    steps,
    batch_size,
    loss,
    label_smoothing,
    learning_rate,
    beta_1,
    d_steps,
    g_steps,
    seed,
):
    check_kind("generator", generator, (ToyGenerator,), "a toy generator")
    check_kind(
        "discriminator", discriminator, (ToyDiscriminator,), "a toy discriminator"
    )
    points = np.asarray(points, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(
            f"points must have shape (N, 2) with N >= 1, got {points.shape}"
        )
    if not np.all(np.isfinite(points)):
        raise ValueError("points hold NaN or infinite values")
    common.check_int("steps", steps)
    common.check_int("batch_size", batch_size)
    common.check_choice("loss", loss, common.GAN_LOSSES)
    common.check_float("label_smoothing", label_smoothing, 0.0, 1.0, high_open=True)
    common.check_nonnegative("learning_rate", learning_rate)
    common.check_float("beta_1", beta_1, 0.0, 1.0, high_open=True)
    common.check_int("d_steps", d_steps)
    common.check_int("g_steps", g_steps)
    common.check_int("seed", seed, minimum=0)
    return points
