"""Framework-free checks shared by ``aigc_course.torch.style`` and
``aigc_course.keras.style``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aigc_course.core import training as common
from aigc_course.core.checks import check_finite_number

INITS = ("content", "noise")


def paired(name_a: str, a: list, name_b: str, b: list) -> tuple[list, list]:
    if not a:
        raise ValueError(f"{name_a} is empty: pass a feature map or a list of them")
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} has {len(a)} feature maps but {name_b} has "
            f"{len(b)}: pass one target per map"
        )
    return a, b


def check_channels(channels) -> tuple[int, ...]:
    ok = isinstance(channels, (tuple, list)) and len(channels) > 0
    ok = ok and all(
        isinstance(c, (int, np.integer)) and not isinstance(c, bool) and c >= 1
        for c in channels
    )
    if not ok:
        raise ValueError(
            f"channels must be a non-empty tuple of positive integers, got {channels!r}"
        )
    return tuple(int(c) for c in channels)


def check_kernel(kernel_size) -> int:
    kernel_size = common.check_int("kernel_size", kernel_size)
    if kernel_size % 2 == 0:
        raise ValueError(
            "kernel_size must be odd (so 'same' padding is symmetric), "
            f"got {kernel_size}"
        )
    return kernel_size


def check_photo(name: str, image) -> np.ndarray:
    array = np.asarray(image)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if array.ndim != 3 or array.shape[2] != 3 or min(array.shape[:2]) < 4:
        raise ValueError(
            f"{name} must have shape (H, W, 3) with H, W >= 4, got {array.shape}"
        )
    array = array.astype(np.float32)
    if not np.isfinite(array).all() or array.min() < -1e-3 or array.max() > 1 + 1e-3:
        raise ValueError(
            f"{name} must hold finite pixels in [0, 1] (divide uint8 images by 255)"
        )
    return array.clip(0.0, 1.0)


def _layers(name: str, value) -> tuple[int, ...]:
    ok = isinstance(value, (tuple, list)) and len(value) > 0
    ok = ok and all(
        isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in value
    )
    if not ok:
        raise ValueError(
            f"{name} must be a non-empty tuple of block indices, got {value!r}"
        )
    return tuple(int(i) for i in value)


@dataclass(frozen=True)
class TransferArgs:
    content: np.ndarray
    style: np.ndarray
    start: np.ndarray
    steps: int
    content_weight: float
    style_weight: float
    learning_rate: float
    content_layers: tuple[int, ...]
    style_layers: tuple[int, ...]
    seed: int


def check_transfer_args(
    content,
    style,
    steps,
    content_weight,
    style_weight,
    learning_rate,
    content_layers,
    style_layers,
    init,
    seed,
) -> TransferArgs:
    content, style = check_photo("content", content), check_photo("style", style)
    seed = common.check_int("seed", seed, minimum=0)
    common.check_choice("init", init, INITS)
    # The starting image comes from NumPy, so both frameworks start from the same
    # pixels.
    start = (
        content
        if init == "content"
        else np.random.default_rng(seed).uniform(size=content.shape).astype(np.float32)
    )
    return TransferArgs(
        content,
        style,
        start,
        common.check_int("steps", steps),
        check_finite_number("content_weight", content_weight),
        check_finite_number("style_weight", style_weight),
        check_finite_number("learning_rate", learning_rate, positive=True),
        _layers("content_layers", content_layers),
        _layers("style_layers", style_layers),
        seed,
    )


def check_layers(args: TransferArgs, num_blocks: int) -> None:
    for name in ("content_layers", "style_layers"):
        bad = [i for i in getattr(args, name) if not 0 <= i < num_blocks]
        if bad:
            raise ValueError(
                f"{name} must index the extractor's {num_blocks} blocks "
                f"(0 to {num_blocks - 1}), got {bad}"
            )
