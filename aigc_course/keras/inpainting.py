"""Inpainting (图像修复) in Keras 3: a small U-Net that fills the missing
square of a digit.

The model sees two channels, the image with its hole set to 0 and the mask
(1 = missing), and predicts every pixel; only the hole is kept
(:meth:`Inpainter.inpaint`) and only the hole is scored by the loss.  Training
uses the package's :func:`~aigc_course.keras.train` (Keras' own ``fit``): the
trainer's noise ``(B, 3)`` becomes each image's hole through :func:`box_masks`,
the twin of :func:`aigc_course.data.masks.box_masks_from_noise`, so the PyTorch twin
(:mod:`aigc_course.torch.inpainting`) trains on the same holes.
"""

from __future__ import annotations

import math

import numpy as np
from keras import ops

from aigc_course.core import training as common
from aigc_course.keras._layers import conv, conv_transpose, images_in, own_message
from aigc_course.keras.training import OneOptimizer


def box_masks(noise, image_size: int, min_size: int, max_size: int):
    """One square hole per row of standard normal ``noise`` ``(N, 3)``: masks ``(N, H,
    W)``, 1 = missing."""
    noise = ops.convert_to_tensor(noise, dtype="float32")
    u = 0.5 * (1.0 + ops.erf(noise / math.sqrt(2.0)))  # (N, 3) uniform in (0, 1)
    # (N,)
    size = ops.minimum(
        min_size + ops.floor(u[:, 0] * (max_size - min_size + 1)), float(max_size)
    )
    top = ops.minimum(ops.floor(u[:, 1] * (image_size - size + 1)), image_size - size)
    left = ops.minimum(ops.floor(u[:, 2] * (image_size - size + 1)), image_size - size)
    r = ops.arange(image_size, dtype="float32")
    # (N, H)
    rows = ops.logical_and(r[None] >= top[:, None], r[None] < (top + size)[:, None])
    # (N, W)
    cols = ops.logical_and(r[None] >= left[:, None], r[None] < (left + size)[:, None])
    # (N, H, W)
    return ops.cast(ops.logical_and(rows[:, :, None], cols[:, None, :]), "float32")


def masked_mse(prediction, images, masks):
    """Mean squared error over the missing pixels only: sum(m * (x_hat - x)^2) /
    sum(m)."""
    squared = masks * ops.square(prediction - images)
    return ops.sum(squared) / ops.maximum(ops.sum(masks), 1.0)


class Inpainter(OneOptimizer):
    """A U-Net-lite for inpainting: (masked image, mask) -> the full image, pixels in
    [0, 1].

    Encoder (s = image_size): (s, s, 2) -> (s, s, c) -> (s/2, s/2, 2c) -> (s/4, s/4,
    2c); the decoder mirrors it and concatenates the encoder's maps of the same size
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
        # The same names as the PyTorch twin's, so parity.copy_torch_to_keras pairs
        # them.
        self.enc1 = conv(2, c, 3, 1)  # (N, s, s, c)
        self.enc2 = conv(c, 2 * c)  # (N, s/2, s/2, 2c)
        self.enc3 = conv(2 * c, 2 * c)  # (N, s/4, s/4, 2c)
        self.dec2 = conv_transpose(2 * c, 2 * c)  # (N, s/2, s/2, 2c)
        self.dec1 = conv_transpose(4 * c, c)  # (N, s, s, c)
        self.out = conv(2 * c, 1, 3, 1)  # (N, s, s, 1) logits
        self._track_losses(("loss",))
        zeros = np.zeros((1, image_size, image_size), "float32")
        # build the weights now, so the model can be counted and copied at once
        self(zeros, zeros)
        self._compile(learning_rate)

    def call(self, images, masks, training=False):
        """Predicted images ``(N, H, W, 1)`` in [0, 1]; the hole's pixels of ``images``
        are never looked at."""
        x, m = self._inputs(images, masks)  # (N, H, W, 1) each
        # the hole is hidden here
        h1 = ops.relu(self.enc1(ops.concatenate([x * (1 - m), m], axis=-1)))
        h2 = ops.relu(self.enc2(h1))
        h3 = ops.relu(self.enc3(h2))
        # (N, s/2, s/2, 4c): skip connection
        u2 = ops.concatenate([ops.relu(self.dec2(h3)), h2], axis=-1)
        u1 = ops.concatenate([ops.relu(self.dec1(u2)), h1], axis=-1)  # (N, s, s, 2c)
        return ops.sigmoid(self.out(u1))

    def compute_losses(self, images, masks) -> dict:
        """``loss``: the mean squared error on the missing pixels of one batch."""
        x, m = self._inputs(images, masks)  # (N, H, W, 1) each
        return {"loss": masked_mse(self(x, m, training=True), x, m)}

    def _batch_losses(self, images, labels, noise) -> dict:
        """The batch's ``noise`` ``(B, 3)`` decides each image's hole."""
        return self.compute_losses(
            images, box_masks(noise, self.image_size, self.min_size, self.max_size)
        )

    def inpaint(self, images, masks) -> np.ndarray:
        """Fill the holes of ``images`` ``(N, H, W)``: known pixels kept, missing ones
        predicted; NumPy out."""
        images = common.check_images(images, self.image_size, self.pixel_range)
        masks = common.check_images(masks, self.image_size, (0.0, 1.0), name="masks")
        predicted = ops.convert_to_numpy(self(images, masks))[..., 0]
        # keep what is known
        return (masks * predicted + (1 - masks) * images).astype(np.float32)

    @own_message()
    def _inputs(self, images, masks):
        """Images and masks as float32 ``(N, H, W, 1)``; when concrete both must be
        finite and in [0, 1], and there must be a mask for each image."""
        x = images_in(images, self.image_size, pixel_range=self.pixel_range)
        m = images_in(masks, self.image_size, "masks", pixel_range=(0.0, 1.0))
        if (
            x.shape[0] is not None
            and m.shape[0] is not None
            and m.shape[0] != x.shape[0]
        ):
            raise ValueError(
                f"masks must hold one mask per image ({x.shape[0]}), got {m.shape[0]}"
            )
        return x, m
