"""Self-supervised pre-training and transfer for digit images, in Keras 3.

* :class:`MaskedAutoencoder`: hide random square patches of each image and
  learn to fill them in (masked-patch reconstruction, in the spirit of He et
  al., 2022, with a small conv encoder): no labels needed.  Its encoder is a
  :class:`Backbone`.
* :class:`DenoisingAutoencoder`: add Gaussian noise to every pixel and learn
  to remove it (Vincent et al., 2008), with the same encoder and decoder.
* :class:`Classifier`: a :class:`Backbone` plus a linear head, with
  ``load_backbone`` (start from a pre-trained encoder) and ``freeze_backbone``
  (train the head only: a "linear probe").

All train with :func:`aigc_course.keras.train` (the classifier needs labels)
or Keras' own ``fit``.  Images are in [0, 1] and channels-last here.  The
PyTorch twin, :mod:`aigc_course.torch.selfsupervised`, has the same names and arguments.
"""

from __future__ import annotations

from statistics import NormalDist

import keras
import numpy as np
from keras import layers, ops

from aigc_course.core import training as common
from aigc_course.core.checks import check_latent_shape
from aigc_course.keras._layers import conv, dense, images_in, own_message
from aigc_course.keras.training import OneOptimizer


def check_patches(
    image_size: int, patch_size: int, mask_ratio: float
) -> tuple[int, int, float]:
    image_size = common.check_image_size("image_size", image_size, multiple=4)
    patch_size = common.check_int("patch_size", patch_size)
    if image_size % patch_size:
        raise ValueError(
            f"patch_size must divide image_size={image_size}, got {patch_size}"
        )
    return (
        image_size,
        patch_size,
        common.check_float("mask_ratio", mask_ratio, 0.0, 1.0, high_open=True),
    )


def patch_mask(noise, image_size: int, patch_size: int, mask_ratio: float):
    """Pixel mask ``(N, H, W)``, 1 on hidden patches, from standard normal ``noise``
    ``(N, patches)``.

    A patch is hidden when its noise value is below the ``mask_ratio``
    quantile of N(0, 1), so each patch is hidden with probability ``mask_ratio``;
    the trainer's noise (the same in both frameworks) thus decides the masks.
    """
    g = image_size // patch_size  # patches per side
    noise = ops.convert_to_tensor(noise, "float32")
    with own_message():
        check_latent_shape(noise.shape, g * g, "noise")  # (N, patches)
    hidden = (
        ops.cast(noise < NormalDist().inv_cdf(mask_ratio), "float32")
        if mask_ratio > 0
        else ops.zeros_like(noise)
    )
    hidden = ops.reshape(hidden, (-1, g, g))  # (N, g, g)
    # (N, H, W)
    return ops.repeat(ops.repeat(hidden, patch_size, axis=1), patch_size, axis=2)


def masked_reconstruction_loss(logits, images, mask):
    """Binary cross-entropy of the pixels, averaged over the hidden pixels only (``mask
    == 1``).

    Only what the model could not see is scored; copying visible pixels earns nothing.
    """
    n = ops.shape(images)[0]
    # (N, H*W)
    per_pixel = ops.binary_crossentropy(
        ops.reshape(images, (n, -1)), ops.reshape(logits, (n, -1)), from_logits=True
    )
    mask = ops.reshape(mask, (n, -1))  # (N, H*W)
    return ops.sum(per_pixel * mask) / ops.maximum(ops.sum(mask), 1.0)


class Backbone(keras.Model):
    """(s, s, 1) -> (s/2, s/2, 32) -> (s/4, s/4, 64) -> ``feature_dim`` features
    (ReLU)."""

    def __init__(self, image_size: int = 16, feature_dim: int = 64):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size, multiple=4)
        self.feature_dim = common.check_int("feature_dim", feature_dim)
        s = image_size // 4
        self.net = keras.Sequential(
            [
                conv(1, 32),
                layers.ReLU(),  # (N, s/2, s/2, 32)
                conv(32, 64),
                layers.ReLU(),  # (N, s/4, s/4, 64)
                # Flatten in PyTorch's (C, H, W) order so the Dense weights match the
                # twin's Linear. (N, feature_dim)
                layers.Permute((3, 1, 2)),
                layers.Flatten(),
                dense(64 * s * s, feature_dim),
                layers.ReLU(),
            ]
        )
        # build now: countable, copyable
        self(np.zeros((1, image_size, image_size), "float32"))

    def call(self, images, training=False):
        return self.net(images_in(images, self.image_size), training=training)


class _Pretrainer(OneOptimizer):
    """What the two pre-training models share: an encoder (:class:`Backbone`) and an
    MLP decoder to pixel logits, pixels in [0, 1], and no sampling."""

    # What the trainer reads (aigc_course.core.training.TrainableModel); each model sets
    # its own noise_dim.
    num_classes = 0  # no labels
    pixel_range = (0.0, 1.0)

    def _build(self, image_size: int, feature_dim: int, learning_rate: float) -> None:
        """The backbone, then the decoder, then the optimizer (in this order: it fixes
        which seeded numbers each weight gets)."""
        self.backbone = Backbone(image_size, feature_dim)
        self.decoder = keras.Sequential(
            [
                dense(feature_dim, 256),
                layers.ReLU(),
                dense(256, image_size * image_size),
            ]
        )
        self.decoder(np.zeros((1, feature_dim), "float32"))
        self._track_losses(("loss",))
        self._compile(learning_rate)

    def _images(self, images, name: str = "images"):
        """Images (or masks) as float32 ``(N, H, W, 1)``; when concrete, in [0, 1]."""
        return images_in(images, self.image_size, name, pixel_range=self.pixel_range)

    def sample(self, num_samples: int = 16, labels=None, seed: int = 0) -> np.ndarray:
        """Not a generative model: raises (the trainer only calls it when ``on_samples``
        is given)."""
        raise ValueError(
            f"{type(self).__name__} does not generate images; use "
            "reconstruct(images) and leave on_samples=None"
        )


class MaskedAutoencoder(_Pretrainer):
    """Masked-patch reconstruction: encoder (:class:`Backbone`) + MLP decoder to pixel
    logits.

    Args:
        image_size: a multiple of 4 (8, 16, 28).
        feature_dim: size of the backbone's features.
        patch_size: side of the square patches that are hidden (divides ``image_size``).
        mask_ratio: probability that each patch is hidden.
        learning_rate: Adam's step size.
    """

    def __init__(
        self,
        image_size: int = 16,
        feature_dim: int = 64,
        patch_size: int = 4,
        mask_ratio: float = 0.5,
        learning_rate: float = 1e-3,
    ):
        super().__init__()
        self.image_size, self.patch_size, self.mask_ratio = check_patches(
            image_size, patch_size, mask_ratio
        )
        # one noise value per patch decides its mask
        self.noise_dim = (image_size // patch_size) ** 2
        self._build(image_size, feature_dim, learning_rate)

    def call(self, images, mask=None, training=False):
        """Pixel logits ``(N, H, W)`` from ``images`` with the ``mask``ed pixels set to
        0."""
        x = self._images(images)[..., 0]  # (N, H, W)
        if mask is not None:
            # hidden pixels become background
            x = x * (1 - self._images(mask, "mask")[..., 0])
        # (N, H*W)
        h = self.decoder(self.backbone(x, training=training), training=training)
        return ops.reshape(h, (-1, self.image_size, self.image_size))  # (N, H, W)

    def compute_losses(self, images, noise, labels=None) -> dict:
        """``loss``: the masked reconstruction loss on one batch, the masks drawn from
        ``noise``."""
        x = self._images(images)[..., 0]  # (N, H, W)
        # (N, H, W)
        mask = patch_mask(noise, self.image_size, self.patch_size, self.mask_ratio)
        return {
            "loss": masked_reconstruction_loss(self(x, mask, training=True), x, mask)
        }

    def reconstruct(self, images, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(masked, filled)`` ``(N, H, W)`` NumPy: the inputs with patches hidden, and
        the model's images (its predictions in the hidden patches, the visible pixels
        kept).  Masks come from ``seed``."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        noise = common.sample_noise(len(images), self.noise_dim, seed)
        mask = patch_mask(noise, self.image_size, self.patch_size, self.mask_ratio)
        filled = ops.sigmoid(self(images, mask)) * mask + images * (1 - mask)
        return ops.convert_to_numpy(images * (1 - mask)), ops.convert_to_numpy(filled)


class DenoisingAutoencoder(_Pretrainer):
    """Denoising pre-training (Vincent et al., 2008): add Gaussian noise to every pixel,
    learn to remove it.

    The same encoder (:class:`Backbone`) and decoder as :class:`MaskedAutoencoder`;
    only the corruption differs.  Masking hides some pixels completely; noise
    blurs all of them a little, so the encoder must learn what digits look like
    everywhere to tell stroke from noise.

    Args:
        image_size: a multiple of 4 (8, 16, 28).
        feature_dim: size of the backbone's features.
        noise_std: standard deviation of the noise added to pixels in [0, 1].
        learning_rate: Adam's step size.
    """

    def __init__(
        self,
        image_size: int = 16,
        feature_dim: int = 64,
        noise_std: float = 0.5,
        learning_rate: float = 1e-3,
    ):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size, multiple=4)
        self.noise_std = common.check_nonnegative("noise_std", noise_std)
        # the trainer's standard normal noise, one value per pixel
        self.noise_dim = self.image_size**2
        self._build(image_size, feature_dim, learning_rate)

    def _corrupt(self, images, noise):
        """``images + noise_std * noise``, ``(N, H, W)``; ``noise`` is standard normal
        ``(N, H*W)``."""
        x = self._images(images)[..., 0]  # (N, H, W)
        noise = ops.convert_to_tensor(noise, "float32")
        with own_message():
            check_latent_shape(noise.shape, self.noise_dim, "noise")  # (N, H*W)
        return x + self.noise_std * ops.reshape(noise, ops.shape(x))

    def call(self, noisy, training=False):
        """Pixel logits ``(N, H, W)`` of the clean images, from ``noisy`` ones (any real
        values)."""
        # (N, H*W)
        h = self.decoder(self.backbone(noisy, training=training), training=training)
        return ops.reshape(h, (-1, self.image_size, self.image_size))  # (N, H, W)

    def compute_losses(self, images, noise, labels=None) -> dict:
        """``loss``: binary cross-entropy of the clean pixels, from the noisy images,
        over all pixels."""
        x = self._images(images)[..., 0]  # (N, H, W)
        logits = self(self._corrupt(x, noise), training=True)
        return {"loss": masked_reconstruction_loss(logits, x, ops.ones_like(x))}

    def reconstruct(self, images, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(noisy, denoised)`` ``(N, H, W)`` NumPy: the corrupted inputs and the
        model's clean images. The noise comes from ``seed``."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        noisy = self._corrupt(
            images, common.sample_noise(len(images), self.noise_dim, seed)
        )
        return ops.convert_to_numpy(noisy), ops.convert_to_numpy(
            ops.sigmoid(self(noisy))
        )


class Classifier(OneOptimizer):
    """A :class:`Backbone` and a linear head: logits for ``num_classes`` classes.

    Args:
        image_size, feature_dim: as for the backbone (match a pre-trained one to load
        it).
        num_classes: number of classes; labels lie in ``[0, num_classes)``.
        learning_rate: Adam's step size.
    """

    # What the trainer reads (aigc_course.core.training.TrainableModel), besides
    # num_classes.
    noise_dim = 0  # nothing random per step but the batch order
    pixel_range = (0.0, 1.0)

    def __init__(
        self,
        image_size: int = 16,
        num_classes: int = 10,
        feature_dim: int = 64,
        learning_rate: float = 1e-3,
    ):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size, multiple=4)
        self.num_classes = common.check_int("num_classes", num_classes, minimum=2)
        self.backbone = Backbone(image_size, feature_dim)
        self.head = dense(feature_dim, num_classes)
        self.head(np.zeros((1, feature_dim), "float32"))
        self._track_losses(("loss", "accuracy"))
        self._compile(learning_rate)

    def call(self, images, labels=None, training=False):
        # (N, H, W, 1)
        x = images_in(images, self.image_size, pixel_range=self.pixel_range)
        return self.head(self.backbone(x, training=training))  # (N, num_classes) logits

    def compute_losses(self, images, noise=None, labels=None) -> dict:
        """``loss`` (cross-entropy) and ``accuracy`` on one labelled batch."""
        logits = self(images, training=True)
        labels = ops.cast(labels, "int32")
        loss = ops.mean(
            ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        )
        hits = ops.cast(
            ops.equal(ops.cast(ops.argmax(logits, axis=1), "int32"), labels), "float32"
        )
        return {"loss": loss, "accuracy": ops.mean(hits)}

    def load_backbone(self, source) -> None:
        """Copy the weights of ``source.backbone`` (e.g. a trained
        :class:`MaskedAutoencoder` or
        :class:`DenoisingAutoencoder`) into this backbone."""
        backbone = getattr(source, "backbone", source)
        if not isinstance(backbone, Backbone):
            raise ValueError(
                "source must be a Backbone or have one as .backbone, "
                f"got {type(source).__name__}"
            )
        mine, theirs = (
            (self.backbone.image_size, self.backbone.feature_dim),
            (backbone.image_size, backbone.feature_dim),
        )
        if mine != theirs:
            raise ValueError(
                f"source's backbone has (image_size, feature_dim) = {theirs}, this "
                f"classifier's {mine}: "
                "build both with the same values"
            )
        self.backbone.set_weights(backbone.get_weights())

    def freeze_backbone(self, frozen: bool = True) -> None:
        """Train only the head (``frozen=True``) or everything (``frozen=False``)."""
        self.backbone.trainable = not frozen
        # a traced step remembers what was trainable: trace again
        self.train_function = None

    def predict_classes(self, images) -> np.ndarray:
        """The most likely class of each image, ``(N,)`` int64 NumPy."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        return ops.convert_to_numpy(ops.argmax(self(images), axis=1)).astype(np.int64)

    def accuracy(self, images, labels) -> float:
        """Fraction of ``images`` whose predicted class equals ``labels``."""
        labels = common.check_labels(labels, self.num_classes, len(np.asarray(images)))
        return float((self.predict_classes(images) == labels).mean())

    def sample(self, num_samples: int = 16, labels=None, seed: int = 0) -> np.ndarray:
        """Not a generative model: raises (the trainer only calls it when ``on_samples``
        is given)."""
        raise ValueError("Classifier does not generate images; leave on_samples=None")
