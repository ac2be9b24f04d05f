"""Argument checks shared by every module: fail early, name the argument, the value and
what was expected.

Each returns the checked value in the type the caller wants (an ``int``, a
``float``, a float32 image array), so a call site reads
``size = check_int("image_size", image_size)``.

Both frameworks' models call the same checks on what they are called with, so
they refuse the same inputs with the same message.  Shapes and dtypes cost
nothing and are always checked.  Values (label range, finite pixels, pixel
range, token ids) must be read from the tensor, a GPU sync per training step,
so a trainer that has checked its whole data set once runs its loop inside
:func:`trusted_inputs`, and the models skip those checks there.
"""

from __future__ import annotations

import contextlib
import contextvars
import math

import numpy as np


def check_int(name: str, value, minimum: int = 1) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < minimum
    ):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}"
        )
    return value


def check_float(
    name: str, value, low: float, high: float, *, high_open: bool = False
) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    ok = (
        ok
        and math.isfinite(value)
        and low <= value
        and (value < high if high_open else value <= high)
    )
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(
            f"{name} must be a number in [{low}, {high}{bracket}, got {value!r}"
        )
    return float(value)


def check_nonnegative(name: str, value) -> float:
    """A finite number >= 0 (a learning rate, a weight decay, a loss weight)."""
    return check_float(name, value, 0.0, math.inf, high_open=True)


def check_finite_number(name: str, value, *, positive: bool = False) -> float:
    """A finite number, > 0 when ``positive``, else >= 0 (a radius, a noise level, a
    loss weight); unlike :func:`check_float` it accepts NumPy integers."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    )
    if not ok or not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(
            f"{name} must be {'positive' if positive else '>= 0'} and "
            f"finite, got {value!r}"
        )
    return float(value)


def check_image_size(
    name: str, value, multiple: int = 1, minimum: int | None = None, why: str = ""
) -> int:
    """A side length that is a multiple of ``multiple`` and at least ``minimum``
    (default: ``multiple``)."""
    value = check_int(name, value, minimum=1)
    minimum = multiple if minimum is None else minimum
    if value % multiple or value < minimum:
        at_least = f" and >= {minimum}" if minimum > multiple else ""
        raise ValueError(
            f"{name} must be a multiple of {multiple}{at_least} for this architecture "
            f"(e.g. 8, 16, 28), got {value}{why}"
        )
    return value


def check_kind(name: str, value, kinds: tuple[type, ...], role: str):
    """``value`` if it is one of ``kinds`` (subclasses included), else a ``TypeError``
    naming what was expected."""
    if not isinstance(value, kinds):
        expected = " or ".join(kind.__name__ for kind in kinds)
        raise TypeError(
            f"{name} must be {role} ({expected}), got {type(value).__name__}"
        )
    return value


def check_images(
    images, image_size: int, pixel_range=None, name: str = "images"
) -> np.ndarray:
    """``images`` as a float32 ``(N, H, W)`` array, or a ``ValueError`` that says what
    is wrong.

    A single channel axis, first or last, is accepted and dropped.
    """
    array = _numeric(name, images)
    axis = image_channel_axis(array.shape, image_size, name)
    if axis is not None:
        array = array.squeeze(axis)  # (N, H, W)
    if len(array) == 0:
        raise ValueError(
            f"{name} is empty (shape {array.shape}); expected at least one image"
        )
    array = _finite(name, array.astype(np.float32, copy=False), "pixels")
    if pixel_range is not None:
        low, high = pixel_range
        lo, hi = float(array.min()), float(array.max())
        if lo < low - 1e-3 or hi > high + 1e-3:
            scale = "'tanh'" if low < 0 else "'unit'"
            raise ValueError(
                f"{name} must lie in [{low}, {high}] for this model, got values in "
                f"[{lo:.3g}, {hi:.3g}] "
                f"(load_digits(..., scale={scale}) gives that range)"
            )
    return array


def check_labels(labels, num_classes: int, n: int | None = None, name: str = "labels"):
    """``labels`` as an int64 ``(N,)`` array for a conditional model; ``None`` for an
    unconditional one."""
    if num_classes == 0:
        if labels is not None:
            raise ValueError(
                f"{name} were given but the model is unconditional "
                "(num_classes=0); pass labels=None"
            )
        return None
    if labels is None:
        raise ValueError(
            f"{name} are required: the model is conditional (num_classes={num_classes})"
        )
    array = np.asarray(labels)
    if not np.issubdtype(array.dtype, np.integer):
        if (
            np.issubdtype(array.dtype, np.floating)
            and np.isfinite(array).all()
            and (array == np.round(array)).all()
        ):
            array = array.astype(np.int64)
        else:
            raise ValueError(
                f"{name} must be integers in [0, {num_classes}), got "
                f"dtype {array.dtype}"
            )
    check_label_shape(array.shape, n, name)
    if len(array) and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{name} must lie in [0, {num_classes}) (num_classes={num_classes}), "
            f"got values in [{array.min()}, {array.max()}]"
        )
    return array.astype(np.int64)


# --------------------------------------------------------------------------
# What a network is called with.  Shapes and dtypes are checked on every call;
# values (which must be read from the tensor) outside trusted_inputs() only.
# --------------------------------------------------------------------------

_TRUSTED = contextvars.ContextVar("aigc_course_trusted_inputs", default=False)


@contextlib.contextmanager
def trusted_inputs():
    """Inside this block models skip the checks that read their inputs' values (shapes
    are still checked).

    For loops over data that were checked once beforehand, the trainers' steps above
    all.
    """
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def checking_values() -> bool:
    """``False`` inside :func:`trusted_inputs`, else ``True``."""
    return not _TRUSTED.get()


def image_channel_axis(shape, image_size: int, name: str = "images") -> int | None:
    """Where the channel axis of a batch of images of ``shape`` is: ``None`` for ``(N,
    H, W)``, 1 for ``(N, 1, H, W)``, 3 for ``(N, H, W, 1)``; any other shape is a
    ``ValueError``."""
    shape, s = tuple(shape), image_size
    if len(shape) == 3 and shape[1:] == (s, s):
        return None
    if len(shape) == 4 and shape[1:] == (1, s, s):
        return 1
    if len(shape) == 4 and shape[1:] == (s, s, 1):
        return 3
    raise ValueError(
        f"{name} must have shape (N, {s}, {s}) (a channel axis of 1 is "
        f"allowed), got {shape}"
    )


def check_latent_shape(shape, latent_dim: int, name: str = "z") -> None:
    shape = tuple(shape)
    if len(shape) != 2 or shape[1] != latent_dim:
        raise ValueError(f"{name} must have shape (N, {latent_dim}), got {shape}")


def check_latents(z, latent_dim: int, name: str = "z") -> np.ndarray:
    """``z`` as a finite float32 ``(N, latent_dim)`` array."""
    array = _numeric(name, z)
    check_latent_shape(array.shape, latent_dim, name)
    return _finite(name, array.astype(np.float32, copy=False), "numbers")


def check_label_shape(shape, n: int | None = None, name: str = "labels") -> None:
    """``(n,)``, or ``(N,)`` when ``n`` is None; an unknown (traced) length passes."""
    shape = tuple(shape)
    if len(shape) != 1 or (n is not None and shape[0] is not None and shape[0] != n):
        raise ValueError(
            f"{name} must have shape ({n if n is not None else 'N'},), got {shape}"
        )


def check_id_layout(shape, dtype: str, block_size: int, name: str = "idx") -> None:
    """Token ids ``(B, T)`` of an integer ``dtype`` (its name, e.g. ``"int64"``) with
    ``T <= block_size``."""
    shape = tuple(shape)
    if len(shape) != 2:
        raise ValueError(f"{name} must have shape (B, T), got {shape}")
    if not dtype.startswith(("int", "uint")):
        raise ValueError(f"{name} must hold integer token ids, got dtype {dtype}")
    if shape[1] is not None and shape[1] > block_size:
        raise ValueError(
            f"{name} has {shape[1]} positions but block_size is "
            f"{block_size}; crop the context"
        )


def check_ids(ids, vocab_size: int, block_size: int, name: str = "idx") -> np.ndarray:
    """Token ids ``(B, T)``, ``T <= block_size``, each in ``[0, vocab_size)``, as an
    int64 array."""
    array = np.asarray(ids)
    check_id_layout(array.shape, array.dtype.name, block_size, name)
    if array.size and (array.min() < 0 or array.max() >= vocab_size):
        raise ValueError(
            f"{name} must lie in [0, {vocab_size}) (vocab_size), got "
            f"values in [{array.min()}, {array.max()}]"
        )
    return array.astype(np.int64, copy=False)


def check_rgb_batch(
    shape, min_side: int, channels_last: bool, name: str = "images"
) -> None:
    """RGB images ``(N, 3, H, W)`` (``(N, H, W, 3)`` when ``channels_last``) with ``H, W
    >= min_side``."""
    shape = tuple(shape)
    sides = shape[1:3] if channels_last else shape[2:4]
    ok = len(shape) == 4 and shape[3 if channels_last else 1] == 3
    if not ok or any(side is not None and side < min_side for side in sides):
        layout = "(N, H, W, 3)" if channels_last else "(N, 3, H, W)"
        raise ValueError(
            f"{name} must have shape {layout} with H, W >= {min_side}, got {shape}"
        )


def _numeric(name: str, value) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be a numeric array, got dtype {array.dtype}")
    return array


def _finite(name: str, array: np.ndarray, what: str) -> np.ndarray:
    if not np.isfinite(array).all():
        bad = int(np.size(array) - np.isfinite(array).sum())
        raise ValueError(
            f"{name} contains {bad} NaN or infinite values; expected finite {what}"
        )
    return array
