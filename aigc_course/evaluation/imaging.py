"""Framework-free image tools for the applications chapter: PSNR, naive fills, sample
photos.

* :func:`psnr`: peak signal-to-noise ratio (峰值信噪比), optionally on the missing
  pixels only.
* :func:`mean_fill`, :func:`nearest_fill`, :func:`diffusion_fill`: inpainting without
  learning, the baselines a trained model has to beat.
* :func:`load_photo`: scikit-learn's two bundled photos, square and small.

Masks follow :mod:`aigc_course.data.masks`: ``(N, H, W)`` with 1 where a pixel is
missing.
"""

from __future__ import annotations

import math

import numpy as np

from aigc_course.core.checks import check_choice, check_int

__all__ = [
    "PHOTOS",
    "diffusion_fill",
    "load_photo",
    "mean_fill",
    "nearest_fill",
    "psnr",
]

PHOTOS = ("china.jpg", "flower.jpg")  # shipped inside scikit-learn: nothing to download


def _array(name: str, value) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be a numeric array, got dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _check_masks(images: np.ndarray, masks, name: str = "masks") -> np.ndarray:
    masks = _array(name, masks)
    if masks.shape != images.shape:
        raise ValueError(
            f"{name} must have the shape of the images {images.shape}, "
            f"got {masks.shape}"
        )
    if not np.isin(masks, (0.0, 1.0)).all():
        others = np.unique(masks[~np.isin(masks, (0.0, 1.0))])
        raise ValueError(
            f"{name} must hold only 0 (known pixel) and 1 (missing "
            f"pixel), got also {others[:3].tolist()}"
        )
    return masks > 0.5


def psnr(prediction, target, *, mask=None, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB: 10 log10(data_range^2 / MSE).

    The MSE is pooled over every pixel of the batch, or over the pixels where
    ``mask`` is 1 (the holes, for inpainting: the known pixels are copied and
    would only inflate the score).  Identical images give ``inf``.

    Args:
        prediction, target: arrays of the same shape, e.g. ``(N, H, W)``.
        mask: optional array of that shape, 1 on the pixels to score.
        data_range: the largest possible pixel value minus the smallest (1 for [0, 1]).
    """
    prediction, target = _array("prediction", prediction), _array("target", target)
    if prediction.shape != target.shape:
        raise ValueError(
            "prediction and target must have the same shape, got "
            f"{prediction.shape} and {target.shape}"
        )
    ok = isinstance(data_range, (int, float, np.floating)) and not isinstance(
        data_range, bool
    )
    if not ok or not math.isfinite(data_range) or data_range <= 0:
        raise ValueError(f"data_range must be a positive number, got {data_range!r}")
    squared = (prediction - target) ** 2
    if mask is not None:
        selected = _check_masks(target, mask, "mask")
        if not selected.any():
            raise ValueError(
                "mask selects no pixel (it is all 0); put 1 on the pixels to score"
            )
        squared = squared[selected]
    mse = float(squared.mean())
    return math.inf if mse == 0.0 else 10.0 * math.log10(data_range**2 / mse)


def _images_and_masks(images, masks) -> tuple[np.ndarray, np.ndarray]:
    images = _array("images", images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W), got {images.shape}")
    holes = _check_masks(images, masks)
    if holes.reshape(len(holes), -1).all(axis=1).any():
        raise ValueError(
            "masks hide every pixel of some image: nothing is known to fill from"
        )
    return images, holes


def mean_fill(images, masks) -> np.ndarray:
    """Fill each image's holes with the mean of its known pixels."""
    images, holes = _images_and_masks(images, masks)
    known_mean = np.array([img[~h].mean() for img, h in zip(images, holes)])  # (N,)
    return np.where(holes, known_mean[:, None, None], images).astype(np.float32)


def nearest_fill(images, masks) -> np.ndarray:
    """Fill each hole pixel with the value of the nearest known pixel (Euclidean
    distance).

    ``scipy.ndimage.distance_transform_edt`` with ``return_indices=True`` gives,
    for every pixel, the coordinates of the nearest zero of its input: here, of
    the nearest known pixel.
    """
    from scipy import ndimage

    images, holes = _images_and_masks(images, masks)
    out = images.copy()
    for i, (img, h) in enumerate(zip(images, holes)):
        # (2, H, W)
        _, (rows, cols) = ndimage.distance_transform_edt(h, return_indices=True)
        out[i] = img[rows, cols]
    return out.astype(np.float32)


def diffusion_fill(images, masks, iterations: int = 200) -> np.ndarray:
    """Fill holes by diffusion: repeatedly set each hole pixel to the mean of its four
    neighbours.

    The known pixels stay fixed, so the holes relax towards the smoothest surface
    that meets their border (a discrete Laplace equation).  Starts from the mean fill.
    """
    iterations = check_int("iterations", iterations)
    x = mean_fill(images, masks).astype(np.float64)
    holes = _check_masks(x, masks)
    for _ in range(iterations):
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")  # (N, H + 2, W + 2)
        neighbours = (
            padded[:, :-2, 1:-1]
            + padded[:, 2:, 1:-1]
            + padded[:, 1:-1, :-2]
            + padded[:, 1:-1, 2:]
        ) / 4
        x = np.where(holes, neighbours, x)
    return x.astype(np.float32)


def load_photo(name: str = "china.jpg", size: int = 64) -> np.ndarray:
    """One of scikit-learn's sample photos, centre-cropped to a square and resized:
    ``(size, size, 3)`` in [0, 1].

    Args:
        name: ``"china.jpg"`` (a temple) or ``"flower.jpg"`` (a flower), both 640x427.
        size: side in pixels after resizing (Lanczos filter).
    """
    check_choice("name", name, PHOTOS)
    if (
        isinstance(size, bool)
        or not isinstance(size, (int, np.integer))
        or not 4 <= size <= 427
    ):
        raise ValueError(f"size must be an integer in [4, 427], got {size!r}")
    from PIL import Image
    from sklearn.datasets import load_sample_image

    # (427, 640, 3) uint8, read from scikit-learn's own folder
    photo = load_sample_image(name)
    h, w = photo.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = Image.fromarray(photo[top : top + side, left : left + side])
    small = square.resize((int(size), int(size)), Image.Resampling.LANCZOS)
    return (np.asarray(small, dtype=np.float32) / 255.0).clip(0.0, 1.0)
