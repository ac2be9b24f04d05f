"""The Keras trainer shared by every model, and checkpoints.

:func:`train` is a thin layer over Keras' own ``Model.fit``: it feeds a
``tf.data`` pipeline whose order and noise come from
:mod:`aigc_course._training` (the same numbers the PyTorch twin uses) and adds
callbacks for sample grids, checkpoints and divergence.  The PyTorch twin,
:mod:`aigc_course.torch.training`, has the same functions and arguments.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Callable

import h5py
import keras
import tensorflow as tf

from aigc_course import _training as common
from aigc_course.keras._core import get_device, nudge_weights

CHECKPOINT_FORMAT = 1
_META = "aigc_course"  # HDF5 attribute holding the epoch and the history


def train(
    model,
    images,
    labels=None,
    *,
    epochs: int = 1,
    steps: int | None = None,
    batch_size: int = 64,
    seed: int = 0,
    sample_every: int = 1,
    on_samples: Callable | None = None,
    num_samples: int = 16,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    verbose: int = 0,
    device: str | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` on ``images`` (``(N, H, W)`` NumPy) with Keras' ``fit``; return the per-epoch history.

    Args:
        labels: ``(N,)`` integer labels, for conditional models only.
        epochs: the budget in epochs; ``steps``, when given, replaces it with a
            budget in optimisation steps (the last epoch may then be short).
        batch_size: images per step; the last partial batch of an epoch is dropped.
        seed: data order and noise of epoch ``e`` depend only on ``(seed, e)``,
            so a resumed run continues exactly.  Seed the weights with
            :func:`aigc_course.seed_everything` before building the model.
        sample_every, on_samples: every ``sample_every`` epochs call
            ``on_samples(epoch, samples)`` with ``model.sample(num_samples, seed=seed)``.
        checkpoint: a ``.weights.h5`` file saved after every epoch (weights,
            optimizer states, epoch and history).
        resume: continue from ``checkpoint`` when it exists.
        verbose: Keras' ``fit`` verbosity: 0 for silence (what the book uses),
            1 for a progress bar, 2 for one line per epoch.
        device: ``"auto"`` (a GPU when present), ``"cpu"`` or ``"gpu"``.

    Returns:
        ``{"d_loss": [...], ...}``: the mean of each reported value per epoch,
        including the epochs before a resume.
    """
    images = common.check_images(images, model.image_size, model.pixel_range)
    labels = common.check_labels(labels, model.num_classes, len(images))
    plan = common.make_plan(len(images), batch_size, epochs, steps)
    if checkpoint is not None:
        checkpoint = _checkpoint_path(checkpoint)
    nudge_weights(model)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    history, start = {}, 0
    if resume and checkpoint is not None and checkpoint.exists():
        state = load_checkpoint(model, checkpoint)
        history, start = state["history"], state["epoch"]
    recorder = _Recorder(model, history, checkpoint, common.check_int("sample_every", sample_every), on_samples, num_samples, seed)
    with tf.device(get_device(device)):
        # One `fit` per run of epochs with the same number of steps (a budget in
        # steps can end with a short epoch, which needs a second call).
        for first, last in _segments(plan.epoch_steps, start):
            data = _dataset(images, labels, plan, model.noise_dim, seed, first, last)
            model.fit(data, epochs=last, initial_epoch=first, steps_per_epoch=plan.epoch_steps[first],
                      shuffle=False, verbose=verbose, callbacks=[recorder])  # fmt: skip
    return recorder.history


def save_checkpoint(model, path, *, epoch: int = 0, history: dict | None = None) -> pathlib.Path:
    """Save weights, optimizer states, the epoch reached and the history to a ``.weights.h5`` file.

    Keras' ``save_weights`` stores the optimizers too, because the models keep
    them as attributes.  The epoch and history go in an HDF5 attribute of the
    same file.  Written to a temporary file and renamed, so a crash never leaves
    a half-written checkpoint behind.
    """
    path = _checkpoint_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name[: -len(".weights.h5")] + ".tmp.weights.h5")
    model.save_weights(tmp)
    meta = {"format": CHECKPOINT_FORMAT, "epoch": int(epoch),
            "history": {k: [float(v) for v in vs] for k, vs in (history or {}).items()}}  # fmt: skip
    with h5py.File(tmp, "a") as f:
        f.attrs[_META] = json.dumps(meta)
    os.replace(tmp, path)
    return path


def load_checkpoint(model, path) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` into ``model`` (and its optimizers).

    Returns:
        ``{"epoch": int, "history": dict}``.
    """
    path = _checkpoint_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    with h5py.File(path, "r") as f:
        meta = json.loads(f.attrs[_META]) if _META in f.attrs else None
    if not meta or meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an aigc_course Keras checkpoint (format {CHECKPOINT_FORMAT})")
    model.load_weights(path)
    return {"epoch": meta["epoch"], "history": {k: list(v) for k, v in meta["history"].items()}}


def _checkpoint_path(path) -> pathlib.Path:
    path = pathlib.Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(f"checkpoint must be a file name ending in '.weights.h5' (Keras' weights format), got {str(path)!r}")
    return path


def _segments(epoch_steps, start: int):
    """``(first, last)`` epoch ranges from ``start`` on in which every epoch has the same number of steps."""
    first = start
    for epoch in range(start + 1, len(epoch_steps) + 1):
        if epoch == len(epoch_steps) or epoch_steps[epoch] != epoch_steps[first]:
            yield first, epoch
            first = epoch


def _dataset(images, labels, plan, noise_dim: int, seed: int, first: int, last: int) -> tf.data.Dataset:
    """Batches of epochs ``first .. last - 1``: ``{"images", "noise"[, "labels"]}`` dicts.

    The order and the noise of each epoch come from NumPy (one call per epoch),
    the gathering of images from TensorFlow.
    """
    x_all = tf.constant(images)  # (N, H, W)
    y_all = None if labels is None else tf.constant(labels)
    steps, batch, dim = plan.epoch_steps[first], plan.batch_size, max(noise_dim, 1)

    def one_epoch(epoch):
        epoch = int(epoch)
        return common.epoch_indices(len(images), plan, seed, epoch), common.epoch_noise(plan, noise_dim, seed, epoch)

    def plan_epoch(epoch):
        order, noise = tf.numpy_function(one_epoch, [epoch], (tf.int64, tf.float32), stateful=False)
        order.set_shape((steps, batch))  # (steps, B)
        noise.set_shape((steps, batch, dim))  # (steps, B, latent)
        return order, noise

    def gather(order, noise):
        out = {"images": tf.gather(x_all, order), "noise": noise}  # (B, H, W), (B, latent)
        if y_all is not None:
            out["labels"] = tf.gather(y_all, order)
        return out

    epochs = tf.data.Dataset.range(first, last).map(plan_epoch).unbatch()
    return epochs.map(gather).prefetch(2)


class _Recorder(keras.callbacks.Callback):
    """At each epoch end: check for divergence, record, save the checkpoint, send samples."""

    def __init__(self, model, history, checkpoint, sample_every, on_samples, num_samples, seed):
        super().__init__()
        self.history, self.checkpoint = history, checkpoint
        self.sample_every, self.on_samples, self.num_samples, self.seed = sample_every, on_samples, num_samples, seed
        self.names = [m.name for m in model.metrics]

    def on_epoch_end(self, epoch, logs=None):
        means = {name: float(logs[name]) for name in self.names}
        common.check_finite(means, epoch, self.checkpoint)  # raising here stops Keras' fit
        for name, value in means.items():
            self.history.setdefault(name, []).append(value)
        if self.checkpoint is not None:
            save_checkpoint(self.model, self.checkpoint, epoch=epoch + 1, history=self.history)
        if self.on_samples is not None and (epoch + 1) % self.sample_every == 0:
            self.on_samples(epoch, self.model.sample(self.num_samples, seed=self.seed))
