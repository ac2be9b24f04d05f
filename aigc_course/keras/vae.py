"""Autoencoders and variational autoencoders in Keras 3 (Kingma & Welling, 2014).

* ``Autoencoder``: image -> code -> image, trained on reconstruction alone.
* ``VAE``: the encoder outputs a Gaussian q(z|x) (``z_mean``, ``z_log_var``);
  the loss is the negative ELBO, ``reconstruction_loss + beta * kl_loss``
  (beta = 1 is the VAE, beta > 1 the beta-VAE of Higgins et al., 2017).
* ``ConditionalVAE``: encoder and decoder also see the label (Sohn et al., 2015).

Each is a ``keras.Model`` with ``Mean`` trackers named after the math and a
``train_step``, which the course's :func:`~aigc_course.keras.train` drives through
Keras' ``fit`` (``model.fit(images)`` is that trainer, with its checks).  Images are in
[0, 1] (``load_digits(..., scale="unit")``) and channels-last here; the decoder outputs
logits and ``decode`` applies the sigmoid.  The PyTorch twin,
:mod:`aigc_course.torch.vae`, has the same names and arguments.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from aigc_course.core import training as common
from aigc_course.keras._layers import (
    condition,
    conv,
    conv_transpose,
    dense,
    images_and_labels,
    images_in,
    label_maps,
    latents_and_labels,
)
from aigc_course.keras.training import OneOptimizer


def reconstruction_loss(logits, images, likelihood: str = "bernoulli"):
    """-log p(x|z) summed over pixels, averaged over the batch.

    ``"bernoulli"``: binary cross-entropy of the pixels given the decoder's logits.
    ``"gaussian"``: squared error of the decoded means, the Gaussian negative
    log-likelihood with a fixed variance up to constants.
    """
    common.check_choice("likelihood", likelihood, common.LIKELIHOODS)
    n = ops.shape(logits)[0]
    # (N, H*W)
    logits, images = ops.reshape(logits, (n, -1)), ops.reshape(images, (n, -1))
    if likelihood == "bernoulli":
        per_pixel = ops.binary_crossentropy(images, logits, from_logits=True)
    else:
        per_pixel = ops.square(ops.sigmoid(logits) - images)
    return ops.mean(ops.sum(per_pixel, axis=1))


def kl_loss(z_mean, z_log_var):
    """KL(q(z|x) || N(0, I)) = -1/2 sum(1 + log var - mean^2 - var) (Kingma & Welling,
    appendix B), batch mean."""
    return ops.mean(
        -0.5 * ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=1)
    )


class Encoder(keras.Model):
    """image (+ label) -> features -> ``outputs`` heads of size ``latent_dim``.

    MLP: 784 -> 512 -> 256.  Conv: (s, s, 1) -> (s/2, s/2, 32) -> (s/4, s/4, 64) -> 256.
    One head gives the autoencoder's code; two give ``z_mean`` and ``z_log_var``.
    """

    def __init__(
        self,
        image_size: int,
        latent_dim: int,
        architecture: str = "mlp",
        num_classes: int = 0,
        outputs: int = 2,
    ):
        super().__init__()
        self.image_size, self.num_classes, self.architecture = (
            image_size,
            num_classes,
            architecture,
        )
        if architecture == "mlp":
            self.body = keras.Sequential(
                [
                    dense(image_size * image_size + num_classes, 512),
                    layers.ReLU(),
                    dense(512, 256),
                    layers.ReLU(),
                ]
            )
        else:
            s = image_size // 4
            self.body = keras.Sequential(
                [
                    conv(1 + num_classes, 32),
                    layers.ReLU(),  # (N, s/2, s/2, 32)
                    conv(32, 64),
                    layers.ReLU(),  # (N, s/4, s/4, 64)
                    # Flatten in PyTorch's (C, H, W) order so the Dense weights match
                    # the twin's Linear. (N, 256)
                    layers.Permute((3, 1, 2)),
                    layers.Flatten(),
                    dense(64 * s * s, 256),
                    layers.ReLU(),
                ]
            )
        self.heads = [dense(256, latent_dim) for _ in range(outputs)]

    def call(self, images, labels=None, training=False):
        x, y = images_and_labels(self, images, labels)  # (N, H, W, 1), (N,)
        if self.architecture == "mlp":
            # (N, H*W + K)
            x = condition(ops.reshape(x, (-1, self.image_size**2)), y, self.num_classes)
        else:
            # the label as K constant feature maps: (N, H, W, 1 + K)
            x = label_maps(x, y, self.num_classes)
        h = self.body(x, training=training)  # (N, 256)
        return tuple(head(h) for head in self.heads)  # each (N, latent_dim)


class Decoder(keras.Model):
    """z (+ label) -> image logits ``(N, H, W, 1)``; the mirror image of
    :class:`Encoder`."""

    def __init__(
        self,
        image_size: int,
        latent_dim: int,
        architecture: str = "mlp",
        num_classes: int = 0,
    ):
        super().__init__()
        self.image_size, self.latent_dim, self.num_classes = (
            image_size,
            latent_dim,
            num_classes,
        )
        if architecture == "mlp":
            self.net = keras.Sequential(
                [
                    dense(latent_dim + num_classes, 256),
                    layers.ReLU(),
                    dense(256, 512),
                    layers.ReLU(),
                    dense(512, image_size * image_size),
                    layers.Reshape((image_size, image_size, 1)),
                ]
            )
        else:
            s = image_size // 4
            self.net = keras.Sequential([
                dense(latent_dim + num_classes, 64 * s * s), layers.ReLU(),
                # PyTorch reshapes to (64, s, s): reshape channels-first, then permute.
                # (N, s/4, s/4, 64)
                layers.Reshape((64, s, s)), layers.Permute((2, 3, 1)),
                conv_transpose(64, 32), layers.ReLU(),  # (N, s/2, s/2, 32)
                conv_transpose(32, 1),  # (N, s, s, 1) logits
            ])  # fmt: skip

    def call(self, z, labels=None, training=False):
        # (N, latent_dim), (N,) or None: checked
        z, y = latents_and_labels(self, z, labels)
        # (N, latent_dim + K) -> logits (N, H, W, 1)
        return self.net(condition(z, y, self.num_classes), training=training)


class Autoencoder(OneOptimizer):
    """A deterministic autoencoder: ``encode`` gives one code per image; trained on
    reconstruction only.

    Args:
        image_size: 8, 16 or 28 (a multiple of 4 for ``architecture="conv"``).
        latent_dim: size of the code.
        architecture: ``"mlp"`` or ``"conv"``.
        likelihood: ``"bernoulli"`` (binary cross-entropy) or ``"gaussian"`` (squared
        error).
        learning_rate: Adam's step size.
        num_classes: 0 for an unconditional model; more, and the encoder and the
            decoder both see the one-hot label (see :class:`ConditionalVAE`).
    """

    variational = False

    def __init__(
        self,
        image_size: int = 28,
        latent_dim: int = 2,
        architecture: str = "mlp",
        likelihood: str = "bernoulli",
        learning_rate: float = 1e-3,
        num_classes: int = 0,
    ):
        super().__init__()
        num_classes = common.check_int("num_classes", num_classes, 0)
        self.architecture = common.check_choice(
            "architecture", architecture, common.ARCHITECTURES
        )
        self.image_size = common.check_image_size(
            "image_size", image_size, multiple=4 if architecture == "conv" else 1
        )
        self.latent_dim = common.check_int("latent_dim", latent_dim)
        self.likelihood = common.check_choice(
            "likelihood", likelihood, common.LIKELIHOODS
        )
        self.beta = 0.0  # no KL term; a VAE sets its own
        self.num_classes = num_classes
        # epsilons the trainer feeds
        self.noise_dim = latent_dim if self.variational else 0
        self.pixel_range = (0.0, 1.0)  # sigmoid output
        outputs = 2 if self.variational else 1
        self.encoder = Encoder(
            image_size, latent_dim, architecture, num_classes, outputs
        )
        self.decoder = Decoder(image_size, latent_dim, architecture, num_classes)
        self._track_losses(
            ("loss", "reconstruction_loss", "kl_loss")
            if self.variational
            else ("loss", "reconstruction_loss")
        )
        # Build the weights now, so the model can be counted, copied and loaded at once.
        labels = np.zeros(1, "int32") if num_classes else None
        self.decoder(np.zeros((1, latent_dim), "float32"), labels)
        self.encoder(np.zeros((1, image_size, image_size), "float32"), labels)
        self._compile(learning_rate)

    def call(self, images, labels=None, training=False):
        """Reconstructions ``(N, H, W, 1)`` in [0, 1] through the code (the mean code
        for a VAE)."""
        code = self._encode(images, labels)
        # a VAE decodes z_mean
        return self._decode(code[0] if self.variational else code, labels)

    def encode(self, images, labels=None) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """The code of each image, ``(N, latent_dim)`` NumPy (a VAE returns ``(z_mean,
        z_log_var)``)."""
        code = self._encode(images, labels)
        return (
            tuple(ops.convert_to_numpy(c) for c in code)
            if self.variational
            else ops.convert_to_numpy(code)
        )

    def decode(self, z, labels=None) -> np.ndarray:
        """Images ``(N, H, W)`` NumPy in [0, 1] for codes ``z`` ``(N, latent_dim)``."""
        return ops.convert_to_numpy(self._decode(z, labels))[..., 0]

    def _encode(self, images, labels=None):
        """The code as a tensor, for training and ``call``."""
        return self.encoder(self._images(images), labels)[0]

    def _decode(self, z, labels=None):
        """Images ``(N, H, W, 1)`` in [0, 1] as a tensor: the sigmoid of the decoder's
        logits."""
        return ops.sigmoid(self.decoder(z, labels))

    def compute_losses(self, images, noise=None, labels=None) -> dict:
        """``loss`` (= ``reconstruction_loss``) on one batch; ``noise`` is unused (a VAE
        uses it)."""
        x = self._images(images)  # (N, H, W, 1)
        rec = reconstruction_loss(
            self.decoder(self._encode(x, labels), labels), x, self.likelihood
        )
        return {"loss": rec, "reconstruction_loss": rec}

    def sample(self, num_samples: int = 16, labels=None, seed: int = 0) -> np.ndarray:
        """Decode codes drawn from N(0, I): images ``(N, H, W)`` as NumPy.

        The codes come from NumPy with ``seed``, so the PyTorch twin with the
        same weights draws the same images.  (For a plain autoencoder nothing
        makes its codes look like N(0, I): which is the point of the VAE.)
        """
        z = common.sample_noise(num_samples, self.latent_dim, seed)
        return ops.convert_to_numpy(self._decode(z, self._labels(labels, num_samples)))[
            ..., 0
        ]

    def reconstruct(self, images, labels=None) -> np.ndarray:
        """Encode and decode ``images`` ``(N, H, W)`` (the mean code for a VAE); NumPy
        out."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        labels = common.check_labels(labels, self.num_classes, len(images))
        return ops.convert_to_numpy(self(images, labels))[..., 0]

    def _images(self, images):
        """``(N, H, W, 1)`` float32; when concrete, checked like the trainer checks
        them."""
        return images_in(images, self.image_size, pixel_range=self.pixel_range)

    def _labels(self, labels, num_samples: int):
        if labels is None and self.num_classes:
            labels = common.default_labels(num_samples, self.num_classes)
        return common.check_labels(labels, self.num_classes, num_samples)


class VAE(Autoencoder):
    """A variational autoencoder; the loss is ``reconstruction_loss + beta * kl_loss``
    (the negative ELBO).

    Args:
        beta: weight of the KL term: 1 is the VAE; > 1 the beta-VAE.
        (the others as for :class:`Autoencoder`)
    """

    variational = True

    def __init__(
        self,
        image_size: int = 28,
        latent_dim: int = 2,
        architecture: str = "mlp",
        likelihood: str = "bernoulli",
        beta: float = 1.0,
        learning_rate: float = 1e-3,
        num_classes: int = 0,
    ):
        # The networks do not depend on beta: the autoencoder builds them (twice the
        # encoder's outputs, for a VAE), then the KL term gets its weight.
        super().__init__(
            image_size, latent_dim, architecture, likelihood, learning_rate, num_classes
        )
        self.beta = common.check_nonnegative("beta", beta)

    def _encode(self, images, labels=None):
        """The Gaussian q(z|x) as tensors: ``(z_mean, z_log_var)``, each ``(N,
        latent_dim)``."""
        return self.encoder(self._images(images), labels)

    def reparameterize(self, z_mean, z_log_var, noise=None) -> tf.Tensor:
        """z = mean + sigma * eps with eps ~ N(0, I): sampling that gradients can flow
        through (eq. 10)."""
        eps = (
            keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
            if noise is None
            else noise
        )
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def compute_losses(self, images, noise=None, labels=None) -> dict:
        """``loss``, ``reconstruction_loss`` and ``kl_loss`` on one batch; ``noise`` is
        eps (drawn if None)."""
        x = self._images(images)  # (N, H, W, 1)
        z_mean, z_log_var = self._encode(x, labels)
        z = self.reparameterize(z_mean, z_log_var, noise)  # (N, latent_dim)
        rec = reconstruction_loss(self.decoder(z, labels), x, self.likelihood)
        kl = kl_loss(z_mean, z_log_var)
        return {"loss": rec + self.beta * kl, "reconstruction_loss": rec, "kl_loss": kl}


class ConditionalVAE(VAE):
    """A VAE whose encoder and decoder both see the one-hot label: q(z|x, y), p(x|z, y).

    ``sample(16, labels=[3] * 16)`` then draws sixteen 3s.
    """

    def __init__(
        self,
        image_size: int = 28,
        latent_dim: int = 2,
        num_classes: int = 10,
        architecture: str = "mlp",
        likelihood: str = "bernoulli",
        beta: float = 1.0,
        learning_rate: float = 1e-3,
    ):
        super().__init__(
            image_size,
            latent_dim,
            architecture,
            likelihood,
            beta,
            learning_rate,
            common.check_int("num_classes", num_classes),  # at least one class
        )
