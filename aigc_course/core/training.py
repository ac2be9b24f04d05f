"""Framework-free pieces of the trainers: input checks, the training plan, data order
and noise.

Both ``aigc_course.torch.train`` and ``aigc_course.keras.train`` take their
batches and their noise from here.  Everything random in an epoch is a function
of ``(seed, epoch)`` alone, so

* the two frameworks see the same images in the same order with the same noise;
* resuming from a checkpoint after any step continues exactly as if training
  had never stopped (no random-generator state to save): the checkpoint holds
  the step reached and the running sums of the unfinished epoch.
"""

from __future__ import annotations

import math
import pathlib
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from aigc_course.core.checks import (  # noqa: F401  (re-exported: the trainers use common.check_*)
    check_choice,
    check_float,
    check_image_size,
    check_images,
    check_int,
    check_labels,
    check_nonnegative,
)
from aigc_course.data import batches

GAN_LOSSES = ("non_saturating", "minimax")
LIKELIHOODS = ("bernoulli", "gaussian")
ARCHITECTURES = ("mlp", "conv")


def float32(values):
    """A floating array as float32 (what the models compute in); integer labels and
    tensors unchanged."""
    if isinstance(values, (np.ndarray, list, tuple, float)):
        array = np.asarray(values)
        return (
            array.astype(np.float32)
            if np.issubdtype(array.dtype, np.floating)
            else array
        )
    return values


def default_labels(num_samples: int, num_classes: int):
    """Labels 0, 1, ..., num_classes - 1, 0, 1, ... for sample grids of a conditional
    model."""
    return np.arange(num_samples, dtype=np.int64) % num_classes if num_classes else None


def sample_noise(num_samples: int, dim: int, seed: int) -> np.ndarray:
    """Standard normal noise ``(num_samples, dim)``, float32, from NumPy: the same in
    both frameworks."""
    num_samples = check_int("num_samples", num_samples)
    return np.random.default_rng(check_int("seed", seed, minimum=0)).standard_normal(
        (num_samples, dim), dtype=np.float32
    )


# --------------------------------------------------------------------------
# The plan: how many steps each epoch runs, and what each epoch sees
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    batch_size: int
    per_epoch: int  # steps in a full epoch
    # optimisation steps in each epoch (the last may be short)
    epoch_steps: tuple[int, ...]

    @property
    def epochs(self) -> int:
        return len(self.epoch_steps)

    @property
    def total_steps(self) -> int:
        return sum(self.epoch_steps)

    def position(self, done: int) -> tuple[int, int]:
        """``(epoch, step in that epoch)`` after ``done`` optimisation steps."""
        return divmod(done, self.per_epoch)


def make_plan(n: int, batch_size: int, epochs: int, steps: int | None) -> Plan:
    """Steps per epoch for a budget in ``epochs`` or (when given) in total ``steps``.

    The last partial batch of an epoch is dropped, so every step sees
    ``batch_size`` images; data smaller than a batch becomes one batch.
    """
    batch_size = min(check_int("batch_size", batch_size), n)
    per_epoch = n // batch_size
    if steps is None:
        return Plan(batch_size, per_epoch, (per_epoch,) * check_int("epochs", epochs))
    steps = check_int("steps", steps)
    full, rest = divmod(steps, per_epoch)
    return Plan(batch_size, per_epoch, (per_epoch,) * full + ((rest,) if rest else ()))


def epoch_seed(seed: int, epoch: int) -> int:
    """A seed for one epoch, mixed from ``(seed, epoch)`` so nearby seeds give unrelated
    epochs."""
    return int(
        np.random.SeedSequence(
            [check_int("seed", seed, minimum=0), epoch]
        ).generate_state(1)[0]
    )


def epoch_indices(n: int, plan: Plan, seed: int, epoch: int) -> np.ndarray:
    """Indices of the images each step of ``epoch`` trains on, shape ``(steps,
    batch_size)``."""
    order = np.arange(n)
    chunks = list(
        batches(
            order,
            plan.batch_size,
            shuffle=True,
            seed=epoch_seed(seed, epoch),
            drop_last=True,
        )
    )
    return np.stack(chunks[: plan.epoch_steps[epoch]]).astype(np.int64)


def epoch_noise(plan: Plan, dim: int, seed: int, epoch: int) -> np.ndarray:
    """The noise each step of ``epoch`` uses (GAN latents or VAE epsilons), ``(steps,
    batch_size, dim)``.

    Drawn for a full epoch and cut, so a short epoch's steps get the same noise
    as the first steps of a full one (which a resumed run relies on).
    """
    rng = np.random.default_rng([seed, epoch, 1])
    noise = rng.standard_normal(
        (plan.per_epoch, plan.batch_size, max(dim, 1)), dtype=np.float32
    )
    return noise[: plan.epoch_steps[epoch]]


# --------------------------------------------------------------------------
# History: one format for every trainer
# --------------------------------------------------------------------------
#
# Every trainer (``train``, ``train_lm``, ``train_points``, ``train_toy_gan``) and
# ``transfer_style`` return a history of the same shape: a dict of equal-length lists,
# one entry per record.  ``history["step"]`` holds the optimisation steps done when
# each entry was recorded; every other key holds a float averaged since the previous
# record.  A record is an epoch for ``train``, ``eval_every`` steps for ``train_lm``
# and one step for the others, so ``history["step"]`` is the x-axis that puts them
# side by side.

STEP = "step"
# what train_toy_gan records each round, in both frameworks
TOY_GAN_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm")


def record(history: dict, step: int, values: dict) -> None:
    """Append one record to ``history`` (in place): the step count, then each value."""
    history.setdefault(STEP, []).append(int(step))
    for key, value in values.items():
        history.setdefault(key, []).append(float(value))


def with_record(history: dict, step: int, values: dict) -> dict:
    """A copy of ``history`` with one more record (``history`` is left as it is)."""
    longer = {key: list(entries) for key, entries in history.items()}
    record(longer, step, values)
    return longer


def history_state(history: dict | None) -> dict:
    """``history`` as plain numbers for a checkpoint: steps as ints, values as
    floats."""
    return {
        key: [int(v) if key == STEP else float(v) for v in entries]
        for key, entries in (history or {}).items()
    }


def with_short_epoch(history: dict, last: dict, plan: Plan) -> dict:
    """The history a trainer returns: a short last epoch counts, though its checkpoint
    keeps it apart (a resumed run finishes that epoch and records it whole)."""
    if not last or plan.epoch_steps[-1] == plan.per_epoch:
        return history
    return with_record(history, plan.total_steps, last)


def check_finite(means: dict, epoch: int, checkpoint) -> None:
    """Stop with a clear message when an epoch's mean loss is NaN or infinite."""
    bad = {k: v for k, v in means.items() if not math.isfinite(v)}
    if bad:
        kept = (
            f"; the last good checkpoint ({checkpoint}) was kept" if checkpoint else ""
        )
        raise FloatingPointError(
            f"training diverged in epoch {epoch + 1}: {bad} is not finite (try a "
            f"smaller learning_rate){kept}"
        )


# --------------------------------------------------------------------------
# Resuming: the run a checkpoint belongs to, and checks on checkpoint files
# --------------------------------------------------------------------------


def check_run_arguments(
    seed, on_samples, num_samples, checkpoint, resume, verbose
) -> None:
    """The trainer arguments both frameworks check the same way before any work."""
    check_int("seed", seed, minimum=0)
    check_int("num_samples", num_samples)
    check_int("verbose", verbose, minimum=0)
    if on_samples is not None and not callable(on_samples):
        raise TypeError(
            "on_samples must be a function on_samples(epoch, samples) or "
            f"None, got {on_samples!r}"
        )
    if not isinstance(resume, bool):
        raise TypeError(f"resume must be True or False, got {resume!r}")
    if checkpoint is not None and not isinstance(checkpoint, (str, pathlib.PurePath)):
        raise TypeError(
            "checkpoint must be a file path (str or pathlib.Path) or "
            f"None, got {checkpoint!r}"
        )


class TrainableModel(Protocol):
    """What the trainers need from a model; every trainable model of both frameworks
    provides it.

    Attributes:
        image_size: side of the square images it trains on.
        num_classes: 0 for an unconditional model, else the number of labels it is
        conditioned on.
        noise_dim: noise values per image the trainer draws for each step (latents,
            epsilons, a hole's position), 0 for none: the noise comes from ``(seed,
            epoch)``, not the model.
        pixel_range: ``(low, high)`` of the images it models; the trainer refuses data
        outside it.
    """

    image_size: int
    num_classes: int
    noise_dim: int
    pixel_range: tuple[float, float]

    def train_step(self, batch) -> dict:
        """One optimisation step on ``batch`` (``images``, ``noise``, optional
        ``labels``); the values to report."""

    def sample(self, num_samples: int = 16, labels=None, seed: int = 0) -> np.ndarray:
        """Images for ``on_samples`` (a model that generates none raises a
        ``ValueError`` saying so)."""

    def optimizers(self) -> dict:
        """The model's optimizers by name (``{"optimizer": ...}``, or a GAN's
        ``d_optimizer`` and ``g_optimizer``); checkpoints save their state."""


def check_trainable(model, framework_class, framework: str) -> None:
    """``model`` is one of the course's trainable models of this framework, or a
    ``TypeError``."""
    step = getattr(type(model), "train_step", None)
    # not Keras' default
    own = step is not None and getattr(step, "__module__", "").startswith("aigc_course")
    # the attributes the trainers read
    needs = [name for name in TrainableModel.__annotations__]
    if (
        not isinstance(model, framework_class)
        or not own
        or not all(hasattr(model, a) for a in needs)
    ):
        got = (
            "None"
            if model is None
            else f"{type(model).__module__}.{type(model).__name__}"
        )
        raise TypeError(
            f"model must be a trainable aigc_course.{framework} model (GAN, VAE, "
            "ConditionalVAE, Autoencoder, "
            f"Inpainter, MaskedAutoencoder, Classifier, ...), got {got}; a generator "
            "or discriminator "
            "is trained inside a GAN"
        )


def run_key(**arguments) -> dict:
    """What a checkpoint must share with the run that resumes it for the continuation to
    be exact."""
    return {name: int(value) for name, value in arguments.items()}


def check_resume(saved: dict | None, run: dict, path) -> None:
    """Refuse to resume a run whose data or batches differ from the checkpoint's."""
    for name, value in run.items():
        if saved is not None and name in saved and saved[name] != value:
            what = "images" if name == "n" else name
            raise ValueError(
                f"resume: checkpoint {path} was written by a run with "
                f"{name}={saved[name]}, this run has "
                f"{name}={value}; an exact continuation needs the same {what} (or "
                "start again without resume=True)"
            )


CHECKPOINT_SIGNATURES = {"torch": b"PK\x03\x04", "keras": b"\x89HDF\r\n\x1a\n"}
_LOADERS = {
    "torch": "aigc_course.torch.load_checkpoint (a .pt file)",
    "keras": "aigc_course.keras.load_checkpoint (a .weights.h5 file)",
}


def check_checkpoint_file(path, framework: str) -> pathlib.Path:
    """``path`` as a ``Path`` if it looks like a checkpoint of ``framework``; else one
    clear error."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise ValueError(
            f"checkpoint {path} is empty (0 bytes): not a checkpoint, or "
            "its save was cut off"
        )
    for other, signature in CHECKPOINT_SIGNATURES.items():
        if other != framework and head.startswith(signature):
            raise ValueError(
                f"checkpoint {path} was written by {other}, not "
                f"{framework}; load it with {_LOADERS[other]}"
            )
    if not head.startswith(CHECKPOINT_SIGNATURES[framework]):
        raise ValueError(
            f"checkpoint {path} is not an aigc_course {framework} "
            "checkpoint (unknown file format)"
        )
    return path


def damaged(path, error: BaseException) -> ValueError:
    """The error for a checkpoint file that starts right but cannot be read (truncated
    or corrupt)."""
    # the reader's first sentence is enough
    first = str(error).split(". ")[0].split("\n")[0][:120]
    return ValueError(
        f"checkpoint {path} is damaged or truncated and cannot be read "
        f"({type(error).__name__}: {first})"
    )


def check_same_model(
    path, saved_class: str | None, model, saved_shapes, model_shapes
) -> None:
    """The checkpoint was saved from a model of the same class and sizes as
    ``model``."""
    if saved_class is not None and saved_class != type(model).__name__:
        raise ValueError(
            f"checkpoint {path} was saved from a {saved_class} model, but model is "
            f"{type(model).__name__}; "
            f"load it into a {saved_class} built with the same arguments"
        )
    if saved_shapes is None:
        return
    saved_shapes = {k: tuple(v) for k, v in saved_shapes.items()}
    model_shapes = {k: tuple(v) for k, v in model_shapes.items()}
    extra, missing = (
        sorted(set(saved_shapes) - set(model_shapes)),
        sorted(set(model_shapes) - set(saved_shapes)),
    )
    if extra or missing:
        detail = (
            f"weights the model lacks: {', '.join(extra[:3])}"
            if extra
            else f"no weights for: {', '.join(missing[:3])}"
        )
        raise ValueError(
            f"checkpoint {path} does not fit model: it holds {detail} (e.g. ema_decay "
            "or num_classes differ); "
            "build the model with the arguments it was saved with"
        )
    for name, shape in saved_shapes.items():
        if model_shapes[name] != shape:
            raise ValueError(
                f"checkpoint {path} does not fit model: {name} has shape {shape} in "
                "the checkpoint and "
                f"{model_shapes[name]} in the model (e.g. image_size or latent_dim "
                "differ); build the model "
                "with the arguments it was saved with"
            )
