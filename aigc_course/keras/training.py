"""The Keras trainer shared by every model, and checkpoints.

:func:`train` is a thin layer over Keras' own ``Model.fit``: it feeds a
``tf.data`` pipeline whose order and noise come from
:mod:`aigc_course.core.training` (the same numbers the PyTorch twin uses) and adds
callbacks for sample grids, checkpoints and divergence.  The PyTorch twin,
:mod:`aigc_course.torch.training`, has the same functions and arguments.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
from collections.abc import Callable

import h5py
import keras
import numpy as np
import tensorflow as tf

from aigc_course.core import training as common
from aigc_course.core.checks import trusted_inputs
from aigc_course.keras._core import get_device, nudge_weights
from aigc_course.keras._layers import unpack_batch

# 2: the step reached and the unfinished epoch's sums, for exact resume
CHECKPOINT_FORMAT = 2
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
    """Train ``model`` on ``images`` (``(N, H, W)`` NumPy) with Keras' ``fit``; return
    the per-epoch history.

    Args:
        labels: ``(N,)`` integer labels, for conditional models only.
        epochs: the budget in epochs; ``steps``, when given, replaces it with a
            budget in optimisation steps (the last epoch may then be short).
        batch_size: images per step; the last partial batch of an epoch is dropped.
        seed: data order and noise of epoch ``e`` depend only on ``(seed, e)``,
            so a resumed run continues exactly.  Seed the weights with
            :func:`aigc_course.seed_everything` before building the model.
        sample_every, on_samples: every ``sample_every`` epochs call
            ``on_samples(epoch, samples)`` with ``model.sample(num_samples,
            seed=seed)``.
        checkpoint: a ``.weights.h5`` file saved after every epoch (weights,
            optimizer states, epoch and history).
        resume: continue from ``checkpoint`` when it exists.
        verbose: Keras' ``fit`` verbosity: 0 for silence (what the book uses),
            1 for a progress bar, 2 for one line per epoch.
        device: ``"auto"`` (a GPU when present), ``"cpu"`` or ``"gpu"``.

    Returns:
        ``{"step": [...], "d_loss": [...], ...}``: the mean of each reported value
        per epoch, including the epochs before a resume, and the steps done at each
        epoch's end (the course's one history format,
        :mod:`aigc_course.core.training`).
    """
    _check_model(model)
    common.check_run_arguments(
        seed, on_samples, num_samples, checkpoint, resume, verbose
    )
    images = common.check_images(images, model.image_size, model.pixel_range)
    labels = common.check_labels(labels, model.num_classes, len(images))
    plan = common.make_plan(len(images), batch_size, epochs, steps)
    sample_every = common.check_int("sample_every", sample_every)
    run = common.run_key(n=len(images), batch_size=plan.batch_size, seed=seed)
    if checkpoint is not None:
        checkpoint = _checkpoint_path(checkpoint)
    nudge_weights(model)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    history, done, partial = {}, 0, {}
    if resume and checkpoint is not None and checkpoint.exists():
        state = _read(model, checkpoint)
        common.check_resume(state["run"], run, checkpoint)
        history, done, partial = state["history"], state["step"], state["partial"]
        done = state["epoch"] * plan.per_epoch if done is None else done
        if done > plan.total_steps:
            return history  # the checkpoint is already past this budget
    start, offset = plan.position(done)
    recorder = _Recorder(
        model,
        history,
        checkpoint,
        sample_every,
        on_samples,
        num_samples,
        seed,
        plan,
        run,
    )
    recorder.restore_at(start, partial if offset else {})
    # data checked once above
    with tf.device(get_device(device)), _inside_fit(model), trusted_inputs():
        # One `fit` per run of epochs with the same number of steps (a budget in steps
        # can end with a short epoch, and a resumed one can start inside an epoch).
        for first, last, skip in _segments(plan.epoch_steps, start, offset):
            # resumed exactly at the end of a short epoch
            if plan.epoch_steps[first] == skip:
                recorder.last = _partial_means(partial)
                continue
            data = _dataset(
                images, labels, plan, model.noise_dim, seed, first, last
            ).skip(skip)
            model.fit(
                data,
                epochs=last,
                initial_epoch=first,
                steps_per_epoch=plan.epoch_steps[first] - skip,
                shuffle=False,
                verbose=verbose,
                callbacks=[recorder],
            )
    return common.with_short_epoch(recorder.history, recorder.last, plan)


def save_checkpoint(
    model, path, *, epoch: int = 0, history: dict | None = None
) -> pathlib.Path:
    """Save weights, optimizer states, the epoch reached and the history to a
    ``.weights.h5`` file.

    Keras' ``save_weights`` stores the optimizers too, because the models keep
    them as attributes.  The epoch and history go in an HDF5 attribute of the
    same file.  Written to a temporary file and renamed, so a crash never leaves
    a half-written checkpoint behind.
    """
    return _write(model, path, epoch=epoch, history=history)


def _write(
    model,
    path,
    *,
    epoch: int | None,
    history: dict | None,
    step: int | None = None,
    resume: dict | None = None,
):
    """:func:`save_checkpoint` plus what a trainer needs to resume exactly: the step
    reached, the run's data and batch size, and the metric sums of an unfinished
    epoch."""
    path = _checkpoint_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name[: -len(".weights.h5")] + ".tmp.weights.h5")
    meta = {
        "format": CHECKPOINT_FORMAT,
        "class": type(model).__name__,
        "shapes": _shapes(model),
        "epoch": None if epoch is None else int(epoch),
        "step": None if step is None else int(step),
        "history": common.history_state(history),
        "resume": resume or {},
    }
    try:
        model.save_weights(tmp)
        with h5py.File(tmp, "a") as f:
            f.attrs[_META] = json.dumps(meta)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only still there when the save was interrupted
    return path


def load_checkpoint(model, path) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` into ``model`` (and its
    optimizers).

    A file that is empty, truncated, written by PyTorch, or saved from another
    class or size of model is refused with a ``ValueError`` that says which.

    Returns:
        ``{"epoch": int, "step": int | None, "history": dict}`` (``step``: the
        optimisation steps done, ``None`` for a checkpoint saved by hand).
    """
    state = _read(model, path)
    return {"epoch": state["epoch"], "step": state["step"], "history": state["history"]}


def _read(model, path) -> dict:
    """Load ``path`` into ``model``; return the epoch, step, history and resume
    record."""
    path = common.check_checkpoint_file(_checkpoint_path(path), "keras")
    try:
        with h5py.File(path, "r") as f:
            meta = json.loads(f.attrs[_META]) if _META in f.attrs else None
    except (OSError, ValueError) as error:
        raise common.damaged(path, error) from error
    if not meta or meta.get("format") != CHECKPOINT_FORMAT:
        found = meta.get("format") if meta else None
        raise ValueError(
            f"checkpoint {path} is not an aigc_course Keras checkpoint of format "
            f"{CHECKPOINT_FORMAT} (found "
            f"format {found!r}); re-create it by training again"
        )
    common.check_same_model(
        path, meta.get("class"), model, meta.get("shapes"), _shapes(model)
    )
    try:
        model.load_weights(path)
    except (OSError, KeyError) as error:
        raise common.damaged(path, error) from error
    resume = meta.get("resume", {})
    return {
        "epoch": meta["epoch"],
        "step": meta.get("step"),
        "history": {k: list(v) for k, v in meta["history"].items()},
        "run": resume.get("run"),
        "partial": resume.get("partial", {}),
        "rng": resume.get("rng"),
    }


def _shapes(model) -> dict:
    """The shape of each of the model's weights, in order (Keras' own names change from
    process to process)."""
    return {f"weights[{i}]": list(v.shape) for i, v in enumerate(model.weights)}


def _check_model(model) -> None:
    common.check_trainable(model, keras.Model, "keras")


def _partial_means(partial: dict) -> dict:
    """Each metric's value from its saved ``(total, count)``, as Keras' ``Mean``
    computes it."""
    return {
        name: float(np.float32(total) / np.float32(count))
        for name, (total, count) in partial.items()
    }


class Trainable:
    """Routes a model's ``fit`` through :func:`train`, so Keras' ``fit`` checks its
    input as the trainer does.

    ``model.fit(images, labels, epochs=3)`` is ``train(model, images, labels,
    epochs=3)``, as in the PyTorch twin.  Only :func:`train` itself reaches
    Keras' own ``fit``, with the batches it has already checked.
    """

    def fit(self, images, labels=None, **kwargs) -> dict[str, list[float]]:
        """Train on ``images`` (and ``labels``); see :func:`train` for the keyword
        arguments."""
        if getattr(self, "_inside_course_fit", False):
            return super().fit(images, labels, **kwargs)
        return train(self, images, labels, **kwargs)

    def loss_terms(self, *inputs) -> dict[str, float]:
        """``compute_losses`` on NumPy arrays (or tensors): each term as a float, for
        evaluation.

        Takes what ``compute_losses`` takes (e.g. ``images, noise, labels`` for a
        VAE); floating arrays become float32.
        """
        arrays = [None if a is None else common.float32(a) for a in inputs]
        return {
            key: float(value) for key, value in self.compute_losses(*arrays).items()
        }


def check_optimizer(name: str, optimizer) -> None:
    """A Keras optimizer object: a name such as ``"adam"`` would drop the settings that
    match PyTorch without saying so."""
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(
            f"{name} must be a keras.optimizers.Optimizer (e.g. "
            f"keras.optimizers.Adam(1e-3)) or None for the default, got "
            f"{type(optimizer).__name__}"
        )


class OneOptimizer(Trainable, keras.Model):
    """A model trained by one Adam optimizer on its ``loss``: ``Mean`` trackers and one
    ``train_step``.

    The VAEs, the inpainter, the masked autoencoder and the classifier share it.
    A subclass calls :meth:`_track_losses` before its first call (Keras locks a
    built model's state), builds its weights, then calls :meth:`_compile`, which
    compiles with the default optimizer (:meth:`compile` takes another); a model
    whose batch needs preparing (the inpainter draws holes from the batch's noise)
    overrides :meth:`_batch_losses`.
    """

    def _track_losses(self, names) -> None:
        """``Mean`` trackers named after the losses (what ``fit`` reports)."""
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        # noise when keras.Model.fit is called directly
        self.seed_generator = keras.random.SeedGenerator(0)

    def _compile(self, learning_rate: float) -> None:
        """Once the weights exist: remember the constructor's learning rate and compile
        with the default optimizer, so a new model trains as it is."""
        self.built = True
        self.learning_rate = common.check_nonnegative("learning_rate", learning_rate)
        self.compile()

    def compile(self, optimizer=None, **kwargs) -> None:
        """Choose the optimizer, as for any Keras model:
        ``model.compile(optimizer=keras.optimizers.SGD(0.01))``.

        The constructor has already compiled the model with the default, ``None``:
        Adam at the constructor's ``learning_rate`` with epsilon 1e-8, PyTorch's
        default (Keras' is 1e-7), as the PyTorch twin uses.  Other keyword arguments
        go to ``keras.Model.compile``; XLA (``jit_compile``) stays off unless asked, as
        on PyTorch's side.  :func:`aigc_course.keras.train` trains with whatever
        optimizer the model holds.
        """
        if optimizer is None:
            optimizer = keras.optimizers.Adam(self.learning_rate, epsilon=1e-8)
        check_optimizer("optimizer", optimizer)
        kwargs.setdefault("jit_compile", False)
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(self.trainable_variables)

    @property
    def metrics(self):
        # Keras resets these at the start of every epoch
        return list(self.trackers.values())

    def optimizers(self) -> dict:
        """The optimizers by name (Keras' ``save_weights`` stores their state with the
        weights)."""
        return {"optimizer": self.optimizer}

    def _batch_losses(self, images, labels, noise) -> dict:
        return self.compute_losses(images, noise, labels)

    def train_step(self, data):
        """One Adam step on a batch: the trainer's dict or Keras' ``(images[,
        labels])``."""
        images, labels, noise = unpack_batch(data, self.noise_dim, self.seed_generator)
        with tf.GradientTape() as tape:  # the only TensorFlow-specific code here
            losses = self._batch_losses(images, labels, noise)
        grads = tape.gradient(losses["loss"], self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        for name, tracker in self.trackers.items():
            tracker.update_state(losses[name])
        return {name: tracker.result() for name, tracker in self.trackers.items()}


@contextlib.contextmanager
def _inside_fit(model):
    """Let :func:`train`'s own calls through :meth:`Trainable.fit` to Keras' ``fit``."""
    model._inside_course_fit = True
    try:
        yield
    finally:
        model._inside_course_fit = False


def _checkpoint_path(path) -> pathlib.Path:
    path = pathlib.Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(
            "checkpoint must be a file name ending in '.weights.h5' "
            f"(Keras' weights format), got {str(path)!r}"
        )
    return path


def _segments(epoch_steps, start: int, offset: int = 0):
    """``(first, last, skip)``: epoch ranges from ``start`` on in which every epoch has
    the same number of steps; ``skip`` steps of the first epoch were done before a
    resume (it runs alone)."""
    if offset:
        yield start, start + 1, offset
        start += 1
    first = start
    for epoch in range(start + 1, len(epoch_steps) + 1):
        if epoch == len(epoch_steps) or epoch_steps[epoch] != epoch_steps[first]:
            yield first, epoch, 0
            first = epoch


def _dataset(
    images, labels, plan, noise_dim: int, seed: int, first: int, last: int
) -> tf.data.Dataset:
    """Batches of epochs ``first .. last - 1``: ``{"images", "noise"[, "labels"]}``
    dicts.

    The order and the noise of each epoch come from NumPy (one call per epoch),
    the gathering of images from TensorFlow.
    """
    x_all = tf.constant(images)  # (N, H, W)
    y_all = None if labels is None else tf.constant(labels)
    steps, batch, dim = plan.epoch_steps[first], plan.batch_size, max(noise_dim, 1)

    def one_epoch(epoch):
        epoch = int(epoch)
        return common.epoch_indices(len(images), plan, seed, epoch), common.epoch_noise(
            plan, noise_dim, seed, epoch
        )

    def plan_epoch(epoch):
        order, noise = tf.numpy_function(
            one_epoch, [epoch], (tf.int64, tf.float32), stateful=False
        )
        order.set_shape((steps, batch))  # (steps, B)
        noise.set_shape((steps, batch, dim))  # (steps, B, latent)
        return order, noise

    def gather(order, noise):
        # (B, H, W), (B, latent)
        out = {"images": tf.gather(x_all, order), "noise": noise}
        if y_all is not None:
            out["labels"] = tf.gather(y_all, order)
        return out

    epochs = tf.data.Dataset.range(first, last).map(plan_epoch).unbatch()
    return epochs.map(gather).prefetch(2)


class _Recorder(keras.callbacks.Callback):
    """At each epoch end: check for divergence, record, save the checkpoint, send
    samples."""

    def __init__(
        self,
        model,
        history,
        checkpoint,
        sample_every,
        on_samples,
        num_samples,
        seed,
        plan,
        run,
    ):
        super().__init__()
        self.history, self.checkpoint, self.plan, self.run = (
            history,
            checkpoint,
            plan,
            run,
        )
        self.sample_every, self.on_samples, self.num_samples, self.seed = (
            sample_every,
            on_samples,
            num_samples,
            seed,
        )
        self.names = [m.name for m in model.metrics]
        self.last, self.resume_epoch, self.partial = {}, None, {}

    def restore_at(self, epoch: int, partial: dict) -> None:
        """Give the metrics of ``epoch`` the sums saved before the resume, once Keras
        has reset them."""
        self.resume_epoch, self.partial = epoch, partial

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.resume_epoch and self.partial:
            for metric in self.model.metrics:
                for variable, value in zip(metric.variables, self.partial[metric.name]):
                    variable.assign(value)

    def on_epoch_end(self, epoch, logs=None):
        means = {name: float(logs[name]) for name in self.names}
        # raising here stops Keras' fit
        common.check_finite(means, epoch, self.checkpoint)
        self.last = means
        count = self.plan.epoch_steps[epoch]
        complete = count == self.plan.per_epoch
        if complete:
            common.record(self.history, epoch * self.plan.per_epoch + count, means)
        if self.checkpoint is not None:
            partial = (
                {}
                if complete
                else {
                    m.name: [float(v.numpy()) for v in m.variables]
                    for m in self.model.metrics
                }
            )
            _write(
                self.model,
                self.checkpoint,
                epoch=epoch + complete,
                step=epoch * self.plan.per_epoch + count,
                history=self.history,
                resume={"run": self.run, "partial": partial},
            )
        if self.on_samples is not None and (epoch + 1) % self.sample_every == 0:
            self.on_samples(epoch, self.model.sample(self.num_samples, seed=self.seed))
