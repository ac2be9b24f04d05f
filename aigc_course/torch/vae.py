"""Autoencoders and variational autoencoders in PyTorch (Kingma & Welling, 2014).

* ``Autoencoder``: image -> code -> image, trained on reconstruction alone.
* ``VAE``: the encoder outputs a Gaussian q(z|x) (``z_mean``, ``z_log_var``);
  the loss is the negative ELBO, ``reconstruction_loss + beta * kl_loss``
  (beta = 1 is the VAE, beta > 1 the beta-VAE of Higgins et al., 2017).
* ``ConditionalVAE``: encoder and decoder also see the label (Sohn et al., 2015).

Both an MLP and a small convolutional encoder/decoder are available
(``architecture="mlp"`` or ``"conv"``).  Images are in [0, 1]
(``load_digits(..., scale="unit")``); the decoder outputs logits and ``decode``
applies the sigmoid.  The Keras twin, :mod:`aigc_course.keras.vae`, has the
same names and arguments.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aigc_course.core import training as common
from aigc_course.torch._layers import (
    condition,
    device_of,
    images_and_labels,
    images_in,
    label_maps,
    latents_and_labels,
    torch_images,
)
from aigc_course.torch.training import Trainable


def reconstruction_loss(
    logits: torch.Tensor, images: torch.Tensor, likelihood: str = "bernoulli"
) -> torch.Tensor:
    """-log p(x|z) summed over pixels, averaged over the batch.

    ``"bernoulli"``: binary cross-entropy of the pixels given the decoder's logits.
    ``"gaussian"``: squared error of the decoded means, the Gaussian negative
    log-likelihood with a fixed variance up to constants.
    """
    common.check_choice("likelihood", likelihood, common.LIKELIHOODS)
    logits, images = logits.flatten(1), images.flatten(1)  # (N, H*W)
    if likelihood == "bernoulli":
        per_pixel = F.binary_cross_entropy_with_logits(logits, images, reduction="none")
    else:
        per_pixel = (torch.sigmoid(logits) - images) ** 2
    return per_pixel.sum(dim=1).mean()


def kl_loss(z_mean: torch.Tensor, z_log_var: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)) = -1/2 sum(1 + log var - mean^2 - var) (Kingma & Welling,
    appendix B), batch mean."""
    return (-0.5 * (1 + z_log_var - z_mean**2 - z_log_var.exp()).sum(dim=1)).mean()


class Encoder(nn.Module):
    """image (+ label) -> features -> ``outputs`` heads of size ``latent_dim``.

    MLP: 784 -> 512 -> 256.  Conv: (1, s, s) -> (32, s/2, s/2) -> (64, s/4, s/4) -> 256.
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
            self.body = nn.Sequential(
                nn.Linear(image_size * image_size + num_classes, 512),
                nn.ReLU(),
                nn.Linear(512, 256),
                nn.ReLU(),
            )
        else:
            s = image_size // 4
            self.body = nn.Sequential(
                # (N, 32, s/2, s/2)
                nn.Conv2d(1 + num_classes, 32, 4, stride=2, padding=1), nn.ReLU(),
                # (N, 64, s/4, s/4)
                nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.ReLU(),
                nn.Flatten(), nn.Linear(64 * s * s, 256), nn.ReLU(),  # (N, 256)
            )  # fmt: skip
        self.heads = nn.ModuleList([nn.Linear(256, latent_dim) for _ in range(outputs)])

    def forward(self, images: torch.Tensor, labels=None):
        x, y = images_and_labels(self, images, labels)  # (N, 1, H, W), (N,)
        if self.architecture == "mlp":
            x = condition(x.flatten(1), y, self.num_classes)  # (N, H*W + K)
        else:
            # the label as K constant feature maps: (N, 1 + K, H, W)
            x = label_maps(x, y, self.num_classes)
        h = self.body(x)  # (N, 256)
        return tuple(head(h) for head in self.heads)  # each (N, latent_dim)


class Decoder(nn.Module):
    """z (+ label) -> image logits ``(N, 1, H, W)``; the mirror image of
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
            self.net = nn.Sequential(
                nn.Linear(latent_dim + num_classes, 256),
                nn.ReLU(),
                nn.Linear(256, 512),
                nn.ReLU(),
                nn.Linear(512, image_size * image_size),
                nn.Unflatten(1, (1, image_size, image_size)),
            )
        else:
            s = image_size // 4
            self.net = nn.Sequential(
                nn.Linear(latent_dim + num_classes, 64 * s * s),
                nn.ReLU(),
                nn.Unflatten(1, (64, s, s)),
                # (N, 32, s/2, s/2)
                nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),
                nn.ReLU(),
                # (N, 1, s, s) logits
                nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1),
            )

    def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        # (N, latent_dim), (N,) or None: checked, on this device
        z, y = latents_and_labels(self, z, labels)
        # (N, latent_dim + K) -> logits (N, 1, H, W)
        return self.net(condition(z, y, self.num_classes))


class Autoencoder(Trainable, nn.Module):
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
        lr = common.check_nonnegative("learning_rate", learning_rate)
        self.optimizer = torch.optim.Adam(self.parameters(), lr=lr)

    def forward(self, images: torch.Tensor, labels=None) -> torch.Tensor:
        """Reconstructions ``(N, 1, H, W)`` in [0, 1] through the code (the mean code
        for a VAE)."""
        code = self._encode(images, labels)
        # a VAE decodes z_mean
        return self._decode(code[0] if self.variational else code, labels)

    @torch.no_grad()
    def encode(self, images, labels=None) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """The code of each image, ``(N, latent_dim)`` NumPy (a VAE returns ``(z_mean,
        z_log_var)``)."""
        code = self._encode(images, labels)
        return (
            tuple(c.cpu().numpy() for c in code)
            if self.variational
            else code.cpu().numpy()
        )

    @torch.no_grad()
    def decode(self, z, labels=None) -> np.ndarray:
        """Images ``(N, H, W)`` NumPy in [0, 1] for codes ``z`` ``(N, latent_dim)``."""
        return self._decode(z, labels)[:, 0].cpu().numpy()

    def _encode(self, images, labels=None) -> torch.Tensor:
        """The code as a tensor, for training and ``forward``."""
        return self.encoder(self._images(images), labels)[0]

    def _decode(self, z, labels=None) -> torch.Tensor:
        """Images ``(N, 1, H, W)`` in [0, 1] as a tensor: the sigmoid of the decoder's
        logits."""
        return torch.sigmoid(self.decoder(z, labels))

    def compute_losses(self, images, noise=None, labels=None) -> dict:
        """``loss`` (= ``reconstruction_loss``) on one batch; ``noise`` is unused (a VAE
        uses it)."""
        x = self._images(images)  # (N, 1, H, W)
        rec = reconstruction_loss(
            self.decoder(self._encode(x, labels), labels), x, self.likelihood
        )
        return {"loss": rec, "reconstruction_loss": rec}

    def train_step(self, batch: dict) -> dict:
        """One Adam step on the loss of ``batch`` (``images``, optional ``noise`` and
        ``labels``)."""
        losses = self.compute_losses(
            batch["images"], batch.get("noise"), batch.get("labels")
        )
        self.optimizer.zero_grad(set_to_none=True)
        losses["loss"].backward()
        self.optimizer.step()
        return {key: value.detach() for key, value in losses.items()}

    @torch.no_grad()
    def sample(self, num_samples: int = 16, labels=None, seed: int = 0) -> np.ndarray:
        """Decode codes drawn from N(0, I): images ``(N, H, W)`` as NumPy.

        The codes come from NumPy with ``seed``, so the Keras twin with the same
        weights draws the same images.  (For a plain autoencoder nothing makes
        its codes look like N(0, I): which is the point of the VAE.)
        """
        z = common.sample_noise(num_samples, self.latent_dim, seed)
        labels = self._labels(labels, num_samples)
        device = next(self.parameters()).device
        y = None if labels is None else torch.as_tensor(labels, device=device)
        return self._decode(torch_images(z, device), y)[:, 0].cpu().numpy()

    @torch.no_grad()
    def reconstruct(self, images, labels=None) -> np.ndarray:
        """Encode and decode ``images`` ``(N, H, W)`` (the mean code for a VAE); NumPy
        out."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        labels = common.check_labels(labels, self.num_classes, len(images))
        device = next(self.parameters()).device
        y = None if labels is None else torch.as_tensor(labels, device=device)
        return self(torch_images(images, device), y)[:, 0].cpu().numpy()

    def _images(self, images) -> torch.Tensor:
        """``(N, 1, H, W)`` float32 on the model's device; outside training, checked
        like the trainer checks them."""
        return images_in(
            images, self.image_size, device_of(self), pixel_range=self.pixel_range
        )

    def _labels(self, labels, num_samples: int):
        if labels is None and self.num_classes:
            labels = common.default_labels(num_samples, self.num_classes)
        return common.check_labels(labels, self.num_classes, num_samples)

    def optimizers(self) -> dict:
        """The optimizers by name; checkpoints save and restore their state."""
        return {"optimizer": self.optimizer}


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

    def _encode(self, images, labels=None) -> tuple[torch.Tensor, torch.Tensor]:
        """The Gaussian q(z|x) as tensors: ``(z_mean, z_log_var)``, each ``(N,
        latent_dim)``."""
        return self.encoder(self._images(images), labels)

    def reparameterize(
        self, z_mean: torch.Tensor, z_log_var: torch.Tensor, noise=None
    ) -> torch.Tensor:
        """z = mean + sigma * eps with eps ~ N(0, I): sampling that gradients can flow
        through (eq. 10)."""
        eps = torch.randn_like(z_mean) if noise is None else noise
        return z_mean + torch.exp(0.5 * z_log_var) * eps

    def compute_losses(self, images, noise=None, labels=None) -> dict:
        """``loss``, ``reconstruction_loss`` and ``kl_loss`` on one batch; ``noise`` is
        eps (drawn if None)."""
        x = self._images(images)  # (N, 1, H, W)
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
