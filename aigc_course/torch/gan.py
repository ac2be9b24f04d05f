"""Generative adversarial networks in PyTorch (Goodfellow et al., 2014).

* ``MLPGenerator`` / ``MLPDiscriminator``: the classic fully connected pair.
* ``DCGANGenerator`` / ``DCGANDiscriminator``: the convolutional pair (Radford et al.,
  2015).
* ``num_classes > 0`` makes any of them conditional on a label (Mirza & Osindero, 2014).
* ``GAN``: the two networks, their optimizers and one training step.

The Keras twin, :mod:`aigc_course.keras.gan`, has the same names and arguments.
Discriminators return *logits*; the losses apply the sigmoid inside a
numerically stable binary cross-entropy.
"""

from __future__ import annotations

import contextlib
import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aigc_course.core import training as common
from aigc_course.core.checks import check_kind
from aigc_course.torch._layers import (
    condition,
    images_and_labels,
    label_maps,
    latents_and_labels,
    torch_images,
)
from aigc_course.torch.training import Trainable


class MLPGenerator(nn.Module):
    """z (latent_dim) -> 128 -> 256 -> 512 -> image, tanh: pixels in [-1, 1]."""

    def __init__(
        self, image_size: int = 28, latent_dim: int = 100, num_classes: int = 0
    ):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size)
        self.latent_dim = common.check_int("latent_dim", latent_dim)
        self.num_classes = common.check_int("num_classes", num_classes, minimum=0)
        self.net = nn.Sequential(
            nn.Linear(latent_dim + num_classes, 128), nn.LeakyReLU(0.2),
            nn.Linear(128, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, image_size * image_size), nn.Tanh(),
        )  # fmt: skip

    def forward(
        self, z: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        # (N, latent_dim), (N,) or None: checked, on this device
        z, y = latents_and_labels(self, z, labels)
        h = condition(z, y, self.num_classes)  # (N, latent_dim + K)
        return self.net(h).view(-1, 1, self.image_size, self.image_size)  # (N, 1, H, W)


class MLPDiscriminator(nn.Module):
    """image -> 512 -> 256 -> 1 logit (real vs fake)."""

    def __init__(self, image_size: int = 28, num_classes: int = 0):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size)
        self.num_classes = common.check_int("num_classes", num_classes, minimum=0)
        self.net = nn.Sequential(
            nn.Linear(image_size * image_size + num_classes, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, 1),
        )  # fmt: skip

    def forward(
        self, images: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        x, y = images_and_labels(self, images, labels)  # (N, 1, H, W), (N,)
        # (N, H*W + K) -> (N, 1) logits
        return self.net(condition(x.flatten(1), y, self.num_classes))


# At image_size 4 the first BatchNorm would normalise 1x1 maps: one value per
# channel for a single image, which PyTorch refuses in training (Keras quietly
# outputs zeros).  The Keras twin refuses the same sizes.
_DCGAN_WHY = (
    " (at 4 the first BatchNorm would normalise 1x1 maps, a single value per "
    "channel for one image)"
)


class DCGANGenerator(nn.Module):
    """z -> (64, s/4, s/4) -> (32, s/2, s/2) -> (1, s, s): two stride-2 transposed
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
        self.net = nn.Sequential(
            nn.Linear(latent_dim + num_classes, 64 * s * s),
            # (N, 64, s/4, s/4)
            nn.Unflatten(1, (64, s, s)),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            # (N, 32, s/2, s/2)
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            # (N, 1, s, s)
            nn.ConvTranspose2d(32, 1, 4, stride=2, padding=1),
            nn.Tanh(),
        )

    def forward(
        self, z: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        # (N, latent_dim), (N,) or None: checked, on this device
        z, y = latents_and_labels(self, z, labels)
        # (N, latent_dim + K) -> (N, 1, H, W)
        return self.net(condition(z, y, self.num_classes))


class DCGANDiscriminator(nn.Module):
    """(1, s, s) -> (32, s/2, s/2) -> (64, s/4, s/4) -> 1 logit; LeakyReLU(0.2), strided
    convolutions.

    Half the channels of the DCGAN paper's smallest model, so that an epoch of
    28x28 digits takes seconds on a laptop CPU.
    """

    def __init__(self, image_size: int = 28, num_classes: int = 0):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size, multiple=4)
        self.num_classes = common.check_int("num_classes", num_classes, minimum=0)
        s = image_size // 4
        self.net = nn.Sequential(
            # (N, 32, s/2, s/2)
            nn.Conv2d(1 + num_classes, 32, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            # (N, 64, s/4, s/4)
            nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(64 * s * s, 1),  # (N, 1) logits
        )  # fmt: skip

    def forward(
        self, images: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        x, y = images_and_labels(self, images, labels)  # (N, 1, H, W), (N,)
        # the label as K constant maps: (N, 1 + K, H, W)
        return self.net(label_maps(x, y, self.num_classes))


def generator_loss(fake_logits: torch.Tensor, loss: str) -> torch.Tensor:
    """Non-saturating: -log D(G(z)) = BCE(fake, 1).  Minimax: log(1 - D(G(z))) =
    -BCE(fake, 0).

    Shared by :class:`GAN` and the 2-D toy trainer.
    """
    if loss == "non_saturating":
        return F.binary_cross_entropy_with_logits(
            fake_logits, torch.ones_like(fake_logits)
        )
    return -F.binary_cross_entropy_with_logits(
        fake_logits, torch.zeros_like(fake_logits)
    )


class GAN(Trainable, nn.Module):
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
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        loss: str = "non_saturating",
        label_smoothing: float = 0.0,
        learning_rate: float = 1e-3,
        beta_1: float = 0.0,
        d_learning_rate: float | None = 5e-4,
        ema_decay: float = 0.99,
    ):
        super().__init__()
        _check_pair(generator, discriminator)
        # as in Keras, where `loss` is taken
        self.gan_loss = common.check_choice("loss", loss, common.GAN_LOSSES)
        self.label_smoothing = common.check_float(
            "label_smoothing", label_smoothing, 0.0, 1.0, high_open=True
        )
        self.generator, self.discriminator = generator, discriminator
        self.image_size, self.num_classes = generator.image_size, generator.num_classes
        # the trainer feeds one latent vector per image
        self.noise_dim = generator.latent_dim
        self.pixel_range = (-1.0, 1.0)  # tanh output
        lr = common.check_nonnegative("learning_rate", learning_rate)
        betas = (common.check_float("beta_1", beta_1, 0.0, 1.0, high_open=True), 0.999)
        d_lr = (
            lr
            if d_learning_rate is None
            else common.check_nonnegative("d_learning_rate", d_learning_rate)
        )
        self.d_optimizer = torch.optim.Adam(
            discriminator.parameters(), lr=d_lr, betas=betas
        )
        self.g_optimizer = torch.optim.Adam(generator.parameters(), lr=lr, betas=betas)
        self.ema_decay = common.check_float(
            "ema_decay", ema_decay, 0.0, 1.0, high_open=True
        )
        # Registered after both networks, as in the Keras twin, so the parity
        # helper pairs the layers in the same order; saved with the checkpoint.
        self.generator_ema = (
            copy.deepcopy(generator).requires_grad_(False) if self.ema_decay else None
        )

    def forward(
        self, z: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.generator(z, labels)

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """BCE with target 1 (or 1 - label_smoothing) on real and 0 on fake: D's side of
        eq. 1."""
        real_target = torch.full_like(real_logits, 1.0 - self.label_smoothing)
        return F.binary_cross_entropy_with_logits(
            real_logits, real_target
        ) + F.binary_cross_entropy_with_logits(
            fake_logits, torch.zeros_like(fake_logits)
        )

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """Non-saturating: -log D(G(z)) = BCE(fake, 1).  Minimax: log(1 - D(G(z))) =
        -BCE(fake, 0)."""
        return generator_loss(fake_logits, self.gan_loss)

    def compute_losses(self, images, noise, labels=None) -> dict:
        """Both losses and the mean D outputs on one batch, without updating
        anything."""
        fake = self.generator(noise, labels)
        real_logits, fake_logits = (
            self.discriminator(images, labels),
            self.discriminator(fake.detach(), labels),
        )
        return {
            "d_loss": self.discriminator_loss(real_logits, fake_logits),
            "g_loss": self.generator_loss(self.discriminator(fake, labels)),
            # D's mean belief that real images are real
            "d_real": torch.sigmoid(real_logits).mean(),
            "d_fake": torch.sigmoid(fake_logits).mean(),
        }

    def train_step(self, batch: dict) -> dict:
        """One D update then one G update on ``batch`` (``images``, ``noise``, optional
        ``labels``)."""
        images, labels = batch["images"], batch.get("labels")
        noise = (
            batch["noise"]
            if "noise" in batch
            else torch.randn(len(images), self.noise_dim, device=images.device)
        )
        # (1) Update D: maximise log D(x) + log(1 - D(G(z))).
        with torch.no_grad():
            fake = self.generator(noise, labels)
        real_logits, fake_logits = (
            self.discriminator(images, labels),
            self.discriminator(fake, labels),
        )
        d_loss = self.discriminator_loss(real_logits, fake_logits)
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()
        # (2) Update G against the updated D.  G runs again (rather than reusing
        # `fake`) because the Keras twin must: a TensorFlow tape cannot share one
        # forward pass between two updates.  Same work in both frameworks.
        # D's weights are frozen meanwhile: the gradient still flows through D to
        # the fakes, but D's own gradients, which nothing uses, are not computed.
        with _frozen(self.discriminator):
            g_loss = self.generator_loss(
                self.discriminator(self.generator(noise, labels), labels)
            )
            self.g_optimizer.zero_grad(set_to_none=True)
            g_loss.backward()
        self.g_optimizer.step()
        if self.generator_ema is not None:
            self._update_ema()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits).mean().detach(),
            "d_fake": torch.sigmoid(fake_logits).mean().detach(),
        }

    @torch.no_grad()
    def _update_ema(self) -> None:
        for average, weight in zip(
            self.generator_ema.parameters(), self.generator.parameters()
        ):
            average.lerp_(weight, 1.0 - self.ema_decay)
        for average, statistic in zip(
            self.generator_ema.buffers(), self.generator.buffers()
        ):
            # BatchNorm statistics: the current ones, not averaged
            average.copy_(statistic)

    @torch.no_grad()
    def sample(self, num_samples: int = 16, labels=None, seed: int = 0) -> np.ndarray:
        """``num_samples`` generated images ``(N, H, W)`` in [-1, 1] as NumPy, generator
        in eval mode.

        The latent vectors come from NumPy with ``seed``, so the Keras twin with
        the same weights draws the same images.  A conditional model draws
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
        device = next(self.parameters()).device
        generator = self.generator if self.generator_ema is None else self.generator_ema
        was_training = generator.training
        generator.eval()
        y = None if labels is None else torch.as_tensor(labels, device=device)
        images = generator(torch_images(z, device), y)
        generator.train(was_training)
        return images[:, 0].cpu().numpy()  # (N, H, W)

    def optimizers(self) -> dict:
        """The optimizers by name; checkpoints save and restore their state."""
        return {"d_optimizer": self.d_optimizer, "g_optimizer": self.g_optimizer}


@contextlib.contextmanager
def _frozen(network: nn.Module):
    """Turn off gradients for ``network``'s parameters inside the block, then restore
    each flag."""
    flags = [p.requires_grad for p in network.parameters()]
    network.requires_grad_(False)
    try:
        yield network
    finally:
        for p, flag in zip(network.parameters(), flags):
            p.requires_grad_(flag)


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
