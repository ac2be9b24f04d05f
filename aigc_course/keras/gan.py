"""Generative adversarial networks in Keras 3 (Goodfellow et al., 2014).

* ``MLPGenerator`` / ``MLPDiscriminator``: the classic fully connected pair.
* ``DCGANGenerator`` / ``DCGANDiscriminator``: the convolutional pair (Radford et al.,
  2015).
* ``num_classes > 0`` makes any of them conditional on a label (Mirza & Osindero, 2014).
* ``GAN``: a ``keras.Model`` whose ``train_step`` alternates D and G updates; the
  course's trainer runs it through Keras' ``fit`` (progress bar included), and
  ``gan.fit(images)`` is that trainer, with its checks.

The PyTorch twin, :mod:`aigc_course.torch.gan`, has the same names and arguments.
Discriminators return *logits*; the losses apply the sigmoid inside a
numerically stable binary cross-entropy.  Images are channels-last here.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from aigc_course.core import training as common
from aigc_course.core.checks import check_kind
from aigc_course.keras._layers import (
    batch_norm,
    bce_with_logits,
    condition,
    conv,
    conv_transpose,
    dense,
    images_and_labels,
    label_maps,
    latents_and_labels,
    unpack_batch,
)
from aigc_course.keras.training import Trainable, check_optimizer


class MLPGenerator(keras.Model):
    """z (latent_dim) -> 128 -> 256 -> 512 -> image, tanh: pixels in [-1, 1]."""

    def __init__(
        self, image_size: int = 28, latent_dim: int = 100, num_classes: int = 0
    ):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size)
        self.latent_dim = common.check_int("latent_dim", latent_dim)
        self.num_classes = common.check_int("num_classes", num_classes, minimum=0)
        self.net = keras.Sequential([
            dense(latent_dim + num_classes, 128), layers.LeakyReLU(0.2),
            dense(128, 256), layers.LeakyReLU(0.2),
            dense(256, 512), layers.LeakyReLU(0.2),
            dense(512, image_size * image_size), layers.Activation("tanh"),
            layers.Reshape((image_size, image_size, 1)),  # (N, H, W, 1)
        ])  # fmt: skip
        _build_generator(self)

    def call(self, z, labels=None, training=False):
        # (N, latent_dim), (N,) or None: checked
        z, y = latents_and_labels(self, z, labels)
        h = condition(z, y, self.num_classes)  # (N, latent_dim + K)
        return self.net(h, training=training)


class MLPDiscriminator(keras.Model):
    """image -> 512 -> 256 -> 1 logit (real vs fake)."""

    def __init__(self, image_size: int = 28, num_classes: int = 0):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size)
        self.num_classes = common.check_int("num_classes", num_classes, minimum=0)
        self.net = keras.Sequential([
            dense(image_size * image_size + num_classes, 512), layers.LeakyReLU(0.2),
            dense(512, 256), layers.LeakyReLU(0.2),
            dense(256, 1),
        ])  # fmt: skip
        _build_discriminator(self)

    def call(self, images, labels=None, training=False):
        x, y = images_and_labels(self, images, labels)  # (N, H, W, 1), (N,)
        x = ops.reshape(x, (-1, self.image_size**2))  # (N, H*W)
        # (N, H*W + K) -> (N, 1) logits
        return self.net(condition(x, y, self.num_classes), training=training)


# At image_size 4 the first BatchNorm would normalise 1x1 maps: one value per
# channel for a single image, which PyTorch refuses in training (Keras quietly
# outputs zeros).  Both twins refuse the same sizes.
_DCGAN_WHY = (
    " (at 4 the first BatchNorm would normalise 1x1 maps, a single value per "
    "channel for one image)"
)


class DCGANGenerator(keras.Model):
    """z -> (s/4, s/4, 64) -> (s/2, s/2, 32) -> (s, s, 1): two stride-2 transposed
    convolutions.

    Batch normalisation and ReLU after every layer but the last, tanh at the
    end, as in Radford et al. (2015), section 3.
    """

    def __init__(
        self, image_size: int = 28, latent_dim: int = 100, num_classes: int = 0
    ):
        super().__init__()
        self.image_size = common.check_image_size(
            "image_size", image_size, multiple=4, minimum=8, why=_DCGAN_WHY
        )
        self.latent_dim = common.check_int("latent_dim", latent_dim)
        self.num_classes = common.check_int("num_classes", num_classes, minimum=0)
        s = image_size // 4
        self.net = keras.Sequential([
            dense(latent_dim + num_classes, 64 * s * s),
            # PyTorch reshapes to (64, s, s); reshaping to channels-first and then
            # permuting keeps the Dense units in the same order as the twin's Linear.
            layers.Reshape((64, s, s)), layers.Permute((2, 3, 1)),  # (N, s/4, s/4, 64)
            batch_norm(), layers.ReLU(),
            conv_transpose(64, 32), batch_norm(), layers.ReLU(),  # (N, s/2, s/2, 32)
            conv_transpose(32, 1), layers.Activation("tanh"),  # (N, s, s, 1)
        ])  # fmt: skip
        _build_generator(self)

    def call(self, z, labels=None, training=False):
        # (N, latent_dim), (N,) or None: checked
        z, y = latents_and_labels(self, z, labels)
        # (N, latent_dim + K) -> (N, H, W, 1)
        return self.net(condition(z, y, self.num_classes), training=training)


class DCGANDiscriminator(keras.Model):
    """(s, s, 1) -> (s/2, s/2, 32) -> (s/4, s/4, 64) -> 1 logit; LeakyReLU(0.2), strided
    convolutions.

    Half the channels of the DCGAN paper's smallest model, so that an epoch of
    28x28 digits takes seconds on a laptop CPU.
    """

    def __init__(self, image_size: int = 28, num_classes: int = 0):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size, multiple=4)
        self.num_classes = common.check_int("num_classes", num_classes, minimum=0)
        s = image_size // 4
        self.net = keras.Sequential([
            conv(1 + num_classes, 32), layers.LeakyReLU(0.2),  # (N, s/2, s/2, 32)
            conv(32, 64), layers.LeakyReLU(0.2),  # (N, s/4, s/4, 64)
            # Flatten in PyTorch's (C, H, W) order so the Dense weights match the twin's
            # Linear. (N, 1) logits
            layers.Permute((3, 1, 2)), layers.Flatten(), dense(64 * s * s, 1),
        ])  # fmt: skip
        _build_discriminator(self)

    def call(self, images, labels=None, training=False):
        x, y = images_and_labels(self, images, labels)  # (N, H, W, 1), (N,)
        # the label as K maps: (N, H, W, 1 + K)
        return self.net(label_maps(x, y, self.num_classes), training=training)


def _build_generator(g) -> None:
    # Build the weights now, so the model can be counted, copied and loaded at once.
    g(
        np.zeros((1, g.latent_dim), "float32"),
        np.zeros(1, "int32") if g.num_classes else None,
    )


def _build_discriminator(d) -> None:
    d(
        np.zeros((1, d.image_size, d.image_size), "float32"),
        np.zeros(1, "int32") if d.num_classes else None,
    )


class GAN(Trainable, keras.Model):
    """A generator, a discriminator, their Adam optimizers and the alternating training
    step.

    Args:
        generator, discriminator: e.g. ``MLPGenerator()`` and ``MLPDiscriminator()``.
        loss: ``"non_saturating"`` (G minimises -log D(G(z)), the default) or
            ``"minimax"`` (G minimises log(1 - D(G(z))), eq. 1 of the paper as written).
        label_smoothing: one-sided label smoothing: real targets become
            ``1 - label_smoothing`` (Salimans et al., 2016, section 3.4); 0 turns it
            off.
        learning_rate: G's Adam step size (and D's when ``d_learning_rate`` is
        ``None``).
        beta_1: Adam's momentum for both networks.  Without momentum a step five
            times DCGAN's (2e-4 with ``beta_1=0.5``) stays stable and learns faster;
            in a game the other player has moved since the past gradients.
        d_learning_rate: D's step size, half G's by default (two time-scale
            updates, Heusel et al., 2017); ``None`` uses ``learning_rate``.
        ema_decay: when above 0, keep ``generator_ema``, an exponential moving
            average of G's weights (``w_ema <- w_ema + (1 - ema_decay) (w - w_ema)``
            after every G step; Yazici et al., 2019), and draw :meth:`sample` from it.
            The default 0.99 averages over about the last 100 steps; 0 turns it off.

    The defaults are the settings that scored best on the course's digits, for
    the MLP GAN, the DCGAN and the conditional GAN alike (``benchmarks/README.md``).

    The model is compiled on construction with Adam for both networks (see
    :meth:`compile` to choose other optimizers); ``gan.fit(images)`` works directly
    (noise is then drawn by Keras), and :func:`aigc_course.keras.train` adds
    the course's budget, sample grids and checkpoints.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        loss: str = "non_saturating",
        label_smoothing: float = 0.0,
        learning_rate: float = 1e-3,
        beta_1: float = 0.0,
        d_learning_rate: float | None = 5e-4,
        ema_decay: float = 0.99,
    ):
        super().__init__()
        _check_pair(generator, discriminator)
        # Not `self.loss`: Keras' compile owns that attribute.
        self.gan_loss = common.check_choice("loss", loss, common.GAN_LOSSES)
        self.label_smoothing = common.check_float(
            "label_smoothing", label_smoothing, 0.0, 1.0, high_open=True
        )
        self.generator, self.discriminator = generator, discriminator
        self.image_size, self.num_classes = generator.image_size, generator.num_classes
        # the trainer feeds one latent vector per image
        self.noise_dim = generator.latent_dim
        self.pixel_range = (-1.0, 1.0)  # tanh output
        self.learning_rate = common.check_nonnegative("learning_rate", learning_rate)
        self.beta_1 = common.check_float("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.d_learning_rate = (
            self.learning_rate
            if d_learning_rate is None
            else common.check_nonnegative("d_learning_rate", d_learning_rate)
        )
        self.ema_decay = common.check_float(
            "ema_decay", ema_decay, 0.0, 1.0, high_open=True
        )
        self.generator_ema = _averaged_copy(generator) if self.ema_decay else None
        self.trackers = {
            name: keras.metrics.Mean(name=name)
            for name in ("d_loss", "g_loss", "d_real", "d_fake")
        }
        # noise when keras.Model.fit is called directly
        self.seed_generator = keras.random.SeedGenerator(0)
        self.built = True  # both networks were built by their constructors
        self.compile()  # the default optimizers; compile() again to choose others

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs) -> None:
        """Choose the two optimizers, as keras-io's GAN examples do:
        ``gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))``.

        The constructor has already compiled the model with the defaults, ``None``:
        Adam at ``d_learning_rate`` and ``learning_rate`` with the constructor's
        ``beta_1``, beta_2 0.999 and epsilon 1e-8, PyTorch's default (Keras' is 1e-7),
        as the PyTorch twin uses.  Other keyword arguments go to
        ``keras.Model.compile``; XLA (``jit_compile``) stays off unless asked, as on
        PyTorch's side.  :func:`aigc_course.keras.train` trains with whatever
        optimizers the model holds.
        """
        if d_optimizer is None:
            d_optimizer = keras.optimizers.Adam(
                self.d_learning_rate, beta_1=self.beta_1, beta_2=0.999, epsilon=1e-8
            )
        if g_optimizer is None:
            g_optimizer = keras.optimizers.Adam(
                self.learning_rate, beta_1=self.beta_1, beta_2=0.999, epsilon=1e-8
            )
        check_optimizer("d_optimizer", d_optimizer)
        check_optimizer("g_optimizer", g_optimizer)
        if d_optimizer is g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer must be two optimizers: one object "
                "would mix the two networks' Adam moments"
            )
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        kwargs.setdefault("jit_compile", False)
        # Keras' own ``optimizer`` slot stays empty: the two above step in train_step.
        super().compile(optimizer=None, **kwargs)

    @property
    def metrics(self):
        # Keras resets these at the start of every epoch
        return list(self.trackers.values())

    def call(self, z, labels=None, training=False):
        return self.generator(z, labels, training=training)

    def discriminator_loss(self, real_logits, fake_logits) -> tf.Tensor:
        """BCE with target 1 (or 1 - label_smoothing) on real and 0 on fake: D's side of
        eq. 1."""
        real_target = ops.full_like(real_logits, 1.0 - self.label_smoothing)
        return bce_with_logits(real_target, real_logits) + bce_with_logits(
            ops.zeros_like(fake_logits), fake_logits
        )

    def generator_loss(self, fake_logits) -> tf.Tensor:
        """Non-saturating: -log D(G(z)) = BCE(fake, 1).  Minimax: log(1 - D(G(z))) =
        -BCE(fake, 0)."""
        return generator_loss(fake_logits, self.gan_loss)

    def compute_losses(self, images, noise, labels=None) -> dict:
        """Both losses and the mean D outputs on one batch, without updating
        anything."""
        fake = self.generator(noise, labels)
        real_logits, fake_logits = (
            self.discriminator(images, labels),
            self.discriminator(ops.stop_gradient(fake), labels),
        )
        return {
            "d_loss": self.discriminator_loss(real_logits, fake_logits),
            "g_loss": self.generator_loss(self.discriminator(fake, labels)),
            # D's mean belief that real images are real
            "d_real": ops.mean(ops.sigmoid(real_logits)),
            "d_fake": ops.mean(ops.sigmoid(fake_logits)),
        }

    def train_step(self, data):
        """One D update then one G update; ``data`` is the trainer's dict or Keras'
        ``(images[, labels])``."""
        images, labels, noise = unpack_batch(data, self.noise_dim, self.seed_generator)
        # (1) Update D: maximise log D(x) + log(1 - D(G(z))).  The fakes are made
        # outside the tape, so no gradient reaches G.
        fake = self.generator(noise, labels, training=True)
        with tf.GradientTape() as tape:  # records D's forward pass only
            real_logits = self.discriminator(images, labels, training=True)
            fake_logits = self.discriminator(fake, labels, training=True)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
        d_weights = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(
            zip(tape.gradient(d_loss, d_weights), d_weights)
        )
        # (2) Update G against the updated D.  G runs again: a tape records one
        # forward pass, and this one must include G.  Only G's weights step.
        with tf.GradientTape() as tape:
            g_loss = self.generator_loss(
                self.discriminator(
                    self.generator(noise, labels, training=True), labels, training=True
                )
            )
        g_weights = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(
            zip(tape.gradient(g_loss, g_weights), g_weights)
        )
        if self.generator_ema is not None:
            self._update_ema()
        values = {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "d_real": ops.mean(ops.sigmoid(real_logits)),
            "d_fake": ops.mean(ops.sigmoid(fake_logits)),
        }
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def _update_ema(self):
        for average, weight in zip(self.generator_ema.weights, self.generator.weights):
            if weight.trainable:
                average.assign(average + (1.0 - self.ema_decay) * (weight - average))
            else:
                # BatchNorm statistics: the current ones, not averaged
                average.assign(weight)

    def optimizers(self) -> dict:
        """The optimizers by name (Keras' ``save_weights`` stores their state with the
        weights)."""
        return {"d_optimizer": self.d_optimizer, "g_optimizer": self.g_optimizer}

    def sample(self, num_samples: int = 16, labels=None, seed: int = 0) -> np.ndarray:
        """``num_samples`` generated images ``(N, H, W)`` in [-1, 1] as NumPy, generator
        in inference mode.

        The latent vectors come from NumPy with ``seed``, so the PyTorch twin
        with the same weights draws the same images.  A conditional model draws
        labels 0, 1, 2, ... unless ``labels`` are given.  With ``ema_decay > 0``
        the images come from the averaged generator, ``generator_ema``.
        """
        z = common.sample_noise(num_samples, self.noise_dim, seed)
        labels = common.check_labels(
            common.default_labels(num_samples, self.num_classes)
            if labels is None and self.num_classes
            else labels,
            self.num_classes,
            num_samples,
        )
        generator = self.generator if self.generator_ema is None else self.generator_ema
        # (N, H, W)
        return ops.convert_to_numpy(generator(z, labels, training=False))[..., 0]


def generator_loss(fake_logits, loss: str):
    """Non-saturating: -log D(G(z)) = BCE(fake, 1).  Minimax: log(1 - D(G(z))) =
    -BCE(fake, 0).

    Shared by :class:`GAN` and the 2-D toy trainer.
    """
    if loss == "non_saturating":
        return bce_with_logits(ops.ones_like(fake_logits), fake_logits)
    return -bce_with_logits(ops.zeros_like(fake_logits), fake_logits)


def _averaged_copy(generator):
    """A frozen twin of ``generator`` (same class and arguments) holding a copy of its
    weights."""
    twin = type(generator)(
        generator.image_size, generator.latent_dim, generator.num_classes
    )
    twin.set_weights(generator.get_weights())
    twin.trainable = False  # never in an optimizer; updated by GAN._update_ema
    return twin


def _check_pair(generator, discriminator) -> None:
    check_kind(
        "generator", generator, (MLPGenerator, DCGANGenerator), "an image generator"
    )
    check_kind(
        "discriminator",
        discriminator,
        (MLPDiscriminator, DCGANDiscriminator),
        "an image discriminator",
    )
    if (generator.image_size, generator.num_classes) != (
        discriminator.image_size,
        discriminator.num_classes,
    ):
        raise ValueError(
            "generator and discriminator must agree on image_size and num_classes, "
            "got "
            f"{(generator.image_size, generator.num_classes)} and "
            f"{(discriminator.image_size, discriminator.num_classes)}"
        )
