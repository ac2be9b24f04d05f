"""Framework-free pieces of the trainers: input checks, the training plan, data order and noise.

Both ``aigc_course.torch.train`` and ``aigc_course.keras.train`` take their
batches and their noise from here.  Everything random in an epoch is a function
of ``(seed, epoch)`` alone, so

* the two frameworks see the same images in the same order with the same noise;
* resuming from a checkpoint after epoch ``k`` continues exactly as if training
  had never stopped (no random-generator state to save).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aigc_course.data import batches

GAN_LOSSES = ("non_saturating", "minimax")
LIKELIHOODS = ("bernoulli", "gaussian")
ARCHITECTURES = ("mlp", "conv")


# --------------------------------------------------------------------------
# Argument checks: fail early, name the argument, the value and the expectation
# --------------------------------------------------------------------------


def check_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_float(name: str, value, low: float, high: float, *, high_open: bool = False) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and low <= value and (value < high if high_open else value <= high)
    if not ok:
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be a number in [{low}, {high}{bracket}, got {value!r}")
    return float(value)


def check_image_size(name: str, value, multiple: int = 1) -> int:
    value = check_int(name, value, minimum=multiple)
    if value % multiple:
        raise ValueError(f"{name} must be a multiple of {multiple} for this architecture (e.g. 8, 16, 28), got {value}")
    return value


def check_images(images, image_size: int, pixel_range=None, name: str = "images") -> np.ndarray:
    """``images`` as a float32 ``(N, H, W)`` array, or a ``ValueError`` that says what is wrong.

    A single channel axis, first or last, is accepted and dropped.
    """
    array = np.asarray(images)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    elif array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    expected = f"(N, {image_size}, {image_size})"
    if array.ndim != 3 or array.shape[1:] != (image_size, image_size):
        raise ValueError(f"{name} must have shape {expected} (a channel axis of 1 is allowed), got {np.shape(images)}")
    if len(array) == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); expected at least one image")
    array = array.astype(np.float32, copy=False)
    if not np.isfinite(array).all():
        bad = int(np.size(array) - np.isfinite(array).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite values; expected finite pixels")
    if pixel_range is not None:
        low, high = pixel_range
        lo, hi = float(array.min()), float(array.max())
        if lo < low - 1e-3 or hi > high + 1e-3:
            scale = "'tanh'" if low < 0 else "'unit'"
            raise ValueError(
                f"{name} must lie in [{low}, {high}] for this model, got values in [{lo:.3g}, {hi:.3g}] "
                f"(load_digits(..., scale={scale}) gives that range)"
            )
    return array


def check_labels(labels, num_classes: int, n: int | None = None, name: str = "labels"):
    """``labels`` as an int64 ``(N,)`` array for a conditional model; ``None`` for an unconditional one."""
    if num_classes == 0:
        if labels is not None:
            raise ValueError(f"{name} were given but the model is unconditional (num_classes=0); pass labels=None")
        return None
    if labels is None:
        raise ValueError(f"{name} are required: the model is conditional (num_classes={num_classes})")
    array = np.asarray(labels)
    if not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.floating) and np.isfinite(array).all() and (array == np.round(array)).all():
            array = array.astype(np.int64)
        else:
            raise ValueError(f"{name} must be integers in [0, {num_classes}), got dtype {array.dtype}")
    if array.ndim != 1 or (n is not None and len(array) != n):
        raise ValueError(f"{name} must have shape ({n if n is not None else 'N'},), got {array.shape}")
    if len(array) and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{name} must lie in [0, {num_classes}) (num_classes={num_classes}), "
            f"got values in [{array.min()}, {array.max()}]"
        )
    return array.astype(np.int64)


def default_labels(num_samples: int, num_classes: int):
    """Labels 0, 1, ..., num_classes - 1, 0, 1, ... for sample grids of a conditional model."""
    return np.arange(num_samples, dtype=np.int64) % num_classes if num_classes else None


def sample_noise(num_samples: int, dim: int, seed: int) -> np.ndarray:
    """Standard normal noise ``(num_samples, dim)``, float32, from NumPy: the same in both frameworks."""
    num_samples = check_int("num_samples", num_samples)
    return np.random.default_rng(check_int("seed", seed, minimum=0)).standard_normal((num_samples, dim), dtype=np.float32)


# --------------------------------------------------------------------------
# The plan: how many steps each epoch runs, and what each epoch sees
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    batch_size: int
    epoch_steps: tuple[int, ...]  # optimisation steps in each epoch (the last may be short)

    @property
    def epochs(self) -> int:
        return len(self.epoch_steps)


def make_plan(n: int, batch_size: int, epochs: int, steps: int | None) -> Plan:
    """Steps per epoch for a budget in ``epochs`` or (when given) in total ``steps``.

    The last partial batch of an epoch is dropped, so every step sees
    ``batch_size`` images; data smaller than a batch becomes one batch.
    """
    batch_size = min(check_int("batch_size", batch_size), n)
    per_epoch = n // batch_size
    if steps is None:
        return Plan(batch_size, (per_epoch,) * check_int("epochs", epochs))
    steps = check_int("steps", steps)
    full, rest = divmod(steps, per_epoch)
    return Plan(batch_size, (per_epoch,) * full + ((rest,) if rest else ()))


def epoch_seed(seed: int, epoch: int) -> int:
    """A seed for one epoch, mixed from ``(seed, epoch)`` so nearby seeds give unrelated epochs."""
    return int(np.random.SeedSequence([check_int("seed", seed, minimum=0), epoch]).generate_state(1)[0])


def epoch_indices(n: int, plan: Plan, seed: int, epoch: int) -> np.ndarray:
    """Indices of the images each step of ``epoch`` trains on, shape ``(steps, batch_size)``."""
    order = np.arange(n)
    chunks = list(batches(order, plan.batch_size, shuffle=True, seed=epoch_seed(seed, epoch), drop_last=True))
    return np.stack(chunks[: plan.epoch_steps[epoch]]).astype(np.int64)


def epoch_noise(plan: Plan, dim: int, seed: int, epoch: int) -> np.ndarray:
    """The noise each step of ``epoch`` uses (GAN latents or VAE epsilons), ``(steps, batch_size, dim)``."""
    rng = np.random.default_rng([seed, epoch, 1])
    return rng.standard_normal((plan.epoch_steps[epoch], plan.batch_size, max(dim, 1)), dtype=np.float32)


def check_finite(means: dict, epoch: int, checkpoint) -> None:
    """Stop with a clear message when an epoch's mean loss is NaN or infinite."""
    bad = {k: v for k, v in means.items() if not math.isfinite(v)}
    if bad:
        kept = f"; the last good checkpoint ({checkpoint}) was kept" if checkpoint else ""
        raise FloatingPointError(
            f"training diverged in epoch {epoch + 1}: {bad} is not finite (try a smaller learning_rate){kept}"
        )
