"""Masks for inpainting (图像修复): which pixels are missing.

A mask has the shape of the images, ``(N, H, W)``, float32, with **1 where a
pixel is missing** (the hole, 空洞) and 0 where it is known.  Everything here is
NumPy; the two frameworks' inpainting models draw the same boxes from the same
noise (``box_masks_from_noise`` has a twin in each of them, tested against this one).
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf

__all__ = ["apply_mask", "box_masks_from_noise", "centre_mask", "random_box_masks"]


def _check_size(name: str, value, low: int = 1, high: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < low
        or (high is not None and value > high)
    ):
        upper = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be an integer >= {low}{upper}, got {value!r}")
    return int(value)


def _check_box_sizes(image_size, min_size, max_size) -> tuple[int, int, int]:
    image_size = _check_size("image_size", image_size)
    min_size = _check_size("min_size", min_size, 1, image_size)
    max_size = _check_size("max_size", max_size, min_size, image_size)
    return image_size, min_size, max_size


def box_masks_from_noise(
    noise, image_size: int, min_size: int, max_size: int
) -> np.ndarray:
    """One square hole per row of standard normal ``noise`` ``(N, 3)``: its size, top
    and left.

    Each column goes through the normal CDF to a uniform number u in (0, 1):
    size = min_size + floor(u0 * (max_size - min_size + 1)), then the top-left
    corner is uniform over the places where the box fits.  The models compute
    the same thing from the trainer's noise, so both frameworks train on the
    same holes.
    """
    image_size, min_size, max_size = _check_box_sizes(image_size, min_size, max_size)
    noise = np.asarray(noise, dtype=np.float32)
    if noise.ndim != 2 or noise.shape[1] != 3:
        raise ValueError(f"noise must have shape (N, 3), got {noise.shape}")
    # (N, 3) uniform
    u = (0.5 * (1.0 + erf(noise / np.float32(np.sqrt(2.0))))).astype(np.float32)
    # (N,)
    size = np.minimum(
        min_size + np.floor(u[:, 0] * (max_size - min_size + 1)), max_size
    )
    top = np.minimum(np.floor(u[:, 1] * (image_size - size + 1)), image_size - size)
    left = np.minimum(np.floor(u[:, 2] * (image_size - size + 1)), image_size - size)
    r = np.arange(image_size, dtype=np.float32)
    rows = (r[None] >= top[:, None]) & (r[None] < (top + size)[:, None])  # (N, H)
    cols = (r[None] >= left[:, None]) & (r[None] < (left + size)[:, None])  # (N, W)
    return (rows[:, :, None] & cols[:, None, :]).astype(np.float32)  # (N, H, W)


def random_box_masks(
    n: int, image_size: int, *, min_size: int = 4, max_size: int = 8, seed: int = 0
) -> np.ndarray:
    """``n`` masks, each with one square hole of random size and place; the same for the
    same ``seed``."""
    n = _check_size("n", n)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    noise = np.random.default_rng(int(seed)).standard_normal((n, 3), dtype=np.float32)
    return box_masks_from_noise(noise, image_size, min_size, max_size)


def centre_mask(image_size: int, box_size: int, n: int = 1) -> np.ndarray:
    """``n`` copies of a mask whose hole is the central ``box_size`` x ``box_size``
    square.

    When ``image_size - box_size`` is odd the box sits half a pixel towards the
    top-left.
    """
    image_size = _check_size("image_size", image_size)
    box_size = _check_size("box_size", box_size, 1, image_size)
    n = _check_size("n", n)
    start = (image_size - box_size) // 2
    mask = np.zeros((n, image_size, image_size), dtype=np.float32)
    mask[:, start : start + box_size, start : start + box_size] = 1.0
    return mask


def apply_mask(images, masks, fill: float = 0.0) -> np.ndarray:
    """The images with their missing pixels set to ``fill``: what an inpainting model is
    given."""
    images, masks = (
        np.asarray(images, dtype=np.float32),
        np.asarray(masks, dtype=np.float32),
    )
    if masks.shape != images.shape:
        raise ValueError(
            f"masks must have the shape of images {images.shape}, got {masks.shape}"
        )
    return np.where(masks > 0.5, np.float32(fill), images).astype(np.float32)
