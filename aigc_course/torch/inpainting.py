"""Inpainting (图像修复) in PyTorch: a small U-Net that fills the missing
square of a digit.

The model sees two channels, the image with its hole set to 0 and the mask
(1 = missing), and predicts every pixel; only the hole is kept
(:meth:`Inpainter.inpaint`) and only the hole is scored by the loss.  Training
uses the package's :func:`~aigc_course.torch.train`: the trainer's noise
``(B, 3)`` becomes each image's hole through :func:`box_masks`, the twin of
:func:`aigc_course.data.masks.box_masks_from_noise`, so the Keras twin
(:mod:`aigc_course.keras.inpainting`) trains on the same holes.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from aigc_course.core import training as common
from aigc_course.torch._layers import device_of, images_in, torch_images
from aigc_course.torch.training import OneOptimizer


def box_masks(
    noise: torch.Tensor, image_size: int, min_size: int, max_size: int
) -> torch.Tensor:
    """One square hole per row of standard normal ``noise`` ``(N, 3)``: masks ``(N, H,
    W)``, 1 = missing."""
    # (N, 3) uniform in (0, 1)
    u = 0.5 * (1.0 + torch.special.erf(noise / math.sqrt(2.0)))
    # (N,)
    size = torch.clamp(
        min_size + torch.floor(u[:, 0] * (max_size - min_size + 1)), max=max_size
    )
    top = torch.minimum(
        torch.floor(u[:, 1] * (image_size - size + 1)), image_size - size
    )
    left = torch.minimum(
        torch.floor(u[:, 2] * (image_size - size + 1)), image_size - size
    )
    r = torch.arange(image_size, dtype=noise.dtype, device=noise.device)
    rows = (r[None] >= top[:, None]) & (r[None] < (top + size)[:, None])  # (N, H)
    cols = (r[None] >= left[:, None]) & (r[None] < (left + size)[:, None])  # (N, W)
    return (rows[:, :, None] & cols[:, None, :]).float()  # (N, H, W)


def masked_mse(
    prediction: torch.Tensor, images: torch.Tensor, masks: torch.Tensor
) -> torch.Tensor:
    """Mean squared error over the missing pixels only: sum(m * (x_hat - x)^2) /
    sum(m)."""
    squared = masks * (prediction - images) ** 2
    return squared.sum() / masks.sum().clamp(min=1.0)


class Inpainter(OneOptimizer, nn.Module):
    """A U-Net-lite for inpainting: (masked image, mask) -> the full image, pixels in
    [0, 1].

    Encoder (s = image_size): (2, s, s) -> (c, s, s) -> (2c, s/2, s/2) -> (2c, s/4,
    s/4); the decoder mirrors it and concatenates the encoder's maps of the same size
    (the U-Net's skip connections, Ronneberger et al., 2015), so fine detail around the
    hole does not have to pass through the bottleneck.

    Args:
        image_size: a multiple of 4 (16 in the book).
        channels: c, the width of the first layer.
        min_size, max_size: side of the square holes drawn during training.
        learning_rate: Adam's step size.
    """

    # What the trainer reads (aigc_course.core.training.TrainableModel):
    num_classes = 0  # no labels
    noise_dim = 3  # three standard normal numbers per image place its hole
    pixel_range = (0.0, 1.0)  # sigmoid output

    def __init__(
        self,
        image_size: int = 16,
        channels: int = 32,
        min_size: int = 4,
        max_size: int = 8,
        learning_rate: float = 1e-3,
    ):
        super().__init__()
        self.image_size = common.check_image_size("image_size", image_size, multiple=4)
        c = self.channels = common.check_int("channels", channels)
        self.min_size = common.check_int("min_size", min_size)
        self.max_size = common.check_int("max_size", max_size, minimum=self.min_size)
        if self.max_size >= image_size:
            raise ValueError(
                "max_size must be smaller than image_size "
                f"({image_size}), got {max_size}"
            )
        self.enc1 = nn.Conv2d(2, c, 3, padding=1)  # (N, c, s, s)
        self.enc2 = nn.Conv2d(c, 2 * c, 4, stride=2, padding=1)  # (N, 2c, s/2, s/2)
        self.enc3 = nn.Conv2d(2 * c, 2 * c, 4, stride=2, padding=1)  # (N, 2c, s/4, s/4)
        # (N, 2c, s/2, s/2)
        self.dec2 = nn.ConvTranspose2d(2 * c, 2 * c, 4, stride=2, padding=1)
        self.dec1 = nn.ConvTranspose2d(4 * c, c, 4, stride=2, padding=1)  # (N, c, s, s)
        self.out = nn.Conv2d(2 * c, 1, 3, padding=1)  # (N, 1, s, s) logits
        self._compile(learning_rate)

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Predicted images ``(N, 1, H, W)`` in [0, 1]; the hole's pixels of ``images``
        are never looked at."""
        x, m = self._inputs(images, masks)  # (N, 1, H, W) each
        # the hole is hidden here
        h1 = torch.relu(self.enc1(torch.cat([x * (1 - m), m], dim=1)))
        h2 = torch.relu(self.enc2(h1))
        h3 = torch.relu(self.enc3(h2))
        # (N, 4c, s/2, s/2): skip connection
        u2 = torch.cat([torch.relu(self.dec2(h3)), h2], dim=1)
        u1 = torch.cat([torch.relu(self.dec1(u2)), h1], dim=1)  # (N, 2c, s, s)
        return torch.sigmoid(self.out(u1))

    def compute_losses(self, images, masks) -> dict:
        """``loss``: the mean squared error on the missing pixels of one batch."""
        x, m = self._inputs(images, masks)  # (N, 1, H, W) each
        return {"loss": masked_mse(self(x, m), x, m)}

    def _batch_losses(self, images, labels, noise) -> dict:
        """The batch's ``noise`` ``(B, 3)`` decides each image's hole."""
        return self.compute_losses(
            images, box_masks(noise, self.image_size, self.min_size, self.max_size)
        )

    @torch.no_grad()
    def inpaint(self, images, masks) -> np.ndarray:
        """Fill the holes of ``images`` ``(N, H, W)``: known pixels kept, missing ones
        predicted; NumPy out."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        masks = common.check_images(masks, self.image_size, (0.0, 1.0), name="masks")
        device = next(self.parameters()).device
        x, m = torch_images(images, device), torch_images(masks, device)
        filled = m * self(x, m)[:, 0] + (1 - m) * x  # keep what is known
        return filled.cpu().numpy()

    def _inputs(self, images, masks) -> tuple[torch.Tensor, torch.Tensor]:
        """Images and masks as float32 ``(N, 1, H, W)`` on the model's device; outside
        training both must be finite and in [0, 1], and there must be a mask for each
        image."""
        device = device_of(self)
        x = images_in(images, self.image_size, device, pixel_range=self.pixel_range)
        m = images_in(masks, self.image_size, device, "masks", pixel_range=(0.0, 1.0))
        if len(m) != len(x):
            raise ValueError(
                f"masks must hold one mask per image ({len(x)}), got {len(m)}"
            )
        return x, m
