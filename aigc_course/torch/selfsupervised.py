"""Self-supervised pre-training and transfer for digit images, in PyTorch.

* :class:`MaskedAutoencoder`: hide random square patches of each image and
  learn to fill them in (masked-patch reconstruction, in the spirit of He et
  al., 2022, with a small conv encoder): no labels needed.  Its encoder is a
  :class:`Backbone`.
* :class:`DenoisingAutoencoder`: add Gaussian noise to every pixel and learn
  to remove it (Vincent et al., 2008), with the same encoder and decoder.
* :class:`Classifier`: a :class:`Backbone` plus a linear head, with
  ``load_backbone`` (start from a pre-trained encoder) and ``freeze_backbone``
  (train the head only: a "linear probe").

All train with :func:`aigc_course.torch.train` (the classifier needs labels).
Images are in [0, 1] (``load_digits(..., scale="unit")``).  The Keras twin,
:mod:`aigc_course.keras.selfsupervised`, has the same names and arguments.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aigc_course.core import training as common
from aigc_course.core.checks import check_latent_shape
from aigc_course.torch._layers import device_of, images_in, torch_images
from aigc_course.torch.training import OneOptimizer


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


def patch_mask(
    noise: torch.Tensor, image_size: int, patch_size: int, mask_ratio: float
) -> torch.Tensor:
    """Pixel mask ``(N, H, W)``, 1 on hidden patches, from standard normal ``noise``
    ``(N, patches)``.

    A patch is hidden when its noise value is below the ``mask_ratio``
    quantile of N(0, 1), so each patch is hidden with probability ``mask_ratio``;
    the trainer's noise (the same in both frameworks) thus decides the masks.
    """
    g = image_size // patch_size  # patches per side
    noise = torch.as_tensor(noise, dtype=torch.float32)
    check_latent_shape(noise.shape, g * g, "noise")  # (N, patches)
    hidden = (
        (noise < NormalDist().inv_cdf(mask_ratio)).float()
        if mask_ratio > 0
        else torch.zeros_like(noise)
    )
    hidden = hidden.view(-1, g, g)  # (N, g, g)
    # (N, H, W)
    return hidden.repeat_interleave(patch_size, 1).repeat_interleave(patch_size, 2)


def masked_reconstruction_loss(
    logits: torch.Tensor, images: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Binary cross-entropy of the pixels, averaged over the hidden pixels only (``mask
    == 1``).

    Only what the model could not see is scored; copying visible pixels earns nothing.
    """
    n = len(images)
    # (N, H*W)
    per_pixel = F.binary_cross_entropy_with_logits(
        logits.reshape(n, -1), images.reshape(n, -1), reduction="none"
    )
    mask = mask.reshape(n, -1)  # (N, H*W)
    return (per_pixel * mask).sum() / mask.sum().clamp(min=1.0)


class Backbone(nn.Module):
    """(1, s, s) -> (32, s/2, s/2) -> (64, s/4, s/4) -> ``feature_dim`` features
    (ReLU)."""

    def __init__(self, image_size: int = 16, feature_dim: int = 64):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size, multiple=4)
        self.feature_dim = common.check_int("feature_dim", feature_dim)
        s = image_size // 4
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.ReLU(),  # (N, 32, s/2, s/2)
            nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.ReLU(),  # (N, 64, s/4, s/4)
            # (N, feature_dim)
            nn.Flatten(), nn.Linear(64 * s * s, feature_dim), nn.ReLU(),
        )  # fmt: skip

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images_in(images, self.image_size, device_of(self)))


class _Pretrainer(OneOptimizer, nn.Module):
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
        self.decoder = nn.Sequential(
            nn.Linear(feature_dim, 256),
            nn.ReLU(),
            nn.Linear(256, image_size * image_size),
        )
        self._compile(learning_rate)

    def _images(self, images, name: str = "images") -> torch.Tensor:
        """Images (or masks) as float32 ``(N, 1, H, W)`` on the model's device; outside
        training, in [0, 1]."""
        return images_in(
            images, self.image_size, device_of(self), name, pixel_range=self.pixel_range
        )

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

    def forward(
        self, images: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Pixel logits ``(N, H, W)`` from ``images`` with the ``mask``ed pixels set to
        0."""
        x = self._images(images)[:, 0]  # (N, H, W)
        if mask is not None:
            # hidden pixels become background
            x = x * (1 - self._images(mask, "mask")[:, 0])
        # (N, H, W)
        return self.decoder(self.backbone(x)).view(-1, self.image_size, self.image_size)

    def compute_losses(self, images, noise, labels=None) -> dict:
        """``loss``: the masked reconstruction loss on one batch, the masks drawn from
        ``noise``."""
        x = self._images(images)[:, 0]  # (N, H, W)
        # (N, H, W)
        mask = patch_mask(noise, self.image_size, self.patch_size, self.mask_ratio)
        return {"loss": masked_reconstruction_loss(self(x, mask), x, mask)}

    @torch.no_grad()
    def reconstruct(self, images, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(masked, filled)`` ``(N, H, W)`` NumPy: the inputs with patches hidden, and
        the model's images (its predictions in the hidden patches, the visible pixels
        kept).  Masks come from ``seed``."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        noise = common.sample_noise(len(images), self.noise_dim, seed)
        device = next(self.parameters()).device
        x = torch_images(images, device)
        mask = patch_mask(
            torch_images(noise, device),
            self.image_size,
            self.patch_size,
            self.mask_ratio,
        )
        filled = torch.sigmoid(self(x, mask)) * mask + x * (1 - mask)
        return (x * (1 - mask)).cpu().numpy(), filled.cpu().numpy()


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

    def _corrupt(self, images: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``images + noise_std * noise``, ``(N, H, W)``; ``noise`` is standard normal
        ``(N, H*W)``."""
        x = self._images(images)[:, 0]  # (N, H, W)
        noise = torch.as_tensor(noise, dtype=torch.float32, device=x.device)
        check_latent_shape(noise.shape, self.noise_dim, "noise")  # (N, H*W)
        return x + self.noise_std * noise.view_as(x)

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        """Pixel logits ``(N, H, W)`` of the clean images, from ``noisy`` ones (any real
        values)."""
        # (N, H, W)
        return self.decoder(self.backbone(noisy)).view(
            -1, self.image_size, self.image_size
        )

    def compute_losses(self, images, noise, labels=None) -> dict:
        """``loss``: binary cross-entropy of the clean pixels, from the noisy images,
        over all pixels."""
        x = self._images(images)[:, 0]  # (N, H, W)
        return {
            "loss": masked_reconstruction_loss(
                self(self._corrupt(x, noise)), x, torch.ones_like(x)
            )
        }

    @torch.no_grad()
    def reconstruct(self, images, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(noisy, denoised)`` ``(N, H, W)`` NumPy: the corrupted inputs and the
        model's clean images. The noise comes from ``seed``."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        noise = common.sample_noise(len(images), self.noise_dim, seed)
        noisy = self._corrupt(torch_images(images, device_of(self)), noise)
        return noisy.cpu().numpy(), torch.sigmoid(self(noisy)).cpu().numpy()


class Classifier(OneOptimizer, nn.Module):
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
        self.head = nn.Linear(feature_dim, num_classes)
        self._compile(learning_rate)

    def forward(self, images: torch.Tensor, labels=None) -> torch.Tensor:
        # (N, 1, H, W)
        x = images_in(
            images, self.image_size, device_of(self), pixel_range=self.pixel_range
        )
        return self.head(self.backbone(x))  # (N, num_classes) logits

    def compute_losses(self, images, noise=None, labels=None) -> dict:
        """``loss`` (cross-entropy) and ``accuracy`` on one labelled batch."""
        logits = self(images)
        return {
            "loss": F.cross_entropy(logits, labels),
            "accuracy": (logits.argmax(1) == labels).float().mean(),
        }

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
        self.backbone.load_state_dict(backbone.state_dict())

    def freeze_backbone(self, frozen: bool = True) -> None:
        """Train only the head (``frozen=True``) or everything (``frozen=False``)."""
        for p in self.backbone.parameters():
            p.requires_grad_(not frozen)

    @torch.no_grad()
    def predict_classes(self, images) -> np.ndarray:
        """The most likely class of each image, ``(N,)`` int64 NumPy."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        was_training = self.training
        self.eval()
        logits = self(torch_images(images, next(self.parameters()).device))
        self.train(was_training)
        return logits.argmax(1).cpu().numpy()

    def accuracy(self, images, labels) -> float:
        """Fraction of ``images`` whose predicted class equals ``labels``."""
        labels = common.check_labels(labels, self.num_classes, len(np.asarray(images)))
        return float((self.predict_classes(images) == labels).mean())

    def sample(self, num_samples: int = 16, labels=None, seed: int = 0) -> np.ndarray:
        """Not a generative model: raises (the trainer only calls it when ``on_samples``
        is given)."""
        raise ValueError("Classifier does not generate images; leave on_samples=None")
