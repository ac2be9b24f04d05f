"""The PyTorch training loop shared by every model, and checkpoints.

A model takes part by providing :class:`aigc_course.core.training.TrainableModel`
(``train_step``, ``sample`` and the attributes the trainer reads) and, for
checkpoints, ``optimizers()``: its optimizers by name.  The Keras
twin, :mod:`aigc_course.keras.training`, has the same functions and arguments.
"""

from __future__ import annotations

import os
import pathlib
import pickle
import zipfile
from collections.abc import Callable

import torch

from aigc_course.core import training as common
from aigc_course.core.checks import trusted_inputs
from aigc_course.torch._core import get_device, nudge_weights

# 2: the step reached and the unfinished epoch's sums, for exact resume
CHECKPOINT_FORMAT = 2


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
    """Train ``model`` on ``images`` (``(N, H, W)`` NumPy) and return its per-epoch
    history.

    Args:
        labels: ``(N,)`` integer labels, for conditional models only.
        epochs: the budget in epochs; ``steps``, when given, replaces it with a
            budget in optimisation steps (the last epoch may then be short).
        batch_size: images per step; the last partial batch of an epoch is dropped.
        seed: data order and noise of epoch ``e`` depend only on ``(seed, e)``,
            so a resumed run continues exactly.  Seed the weights with
            :func:`aigc_course.seed_everything` before building the model.
        sample_every, on_samples: every ``sample_every`` epochs call
            ``on_samples(epoch, samples)`` with ``model.sample(num_samples, seed=seed)``
            (the same latent vectors each time, so the grids show progress).
        checkpoint: a file (e.g. ``"gan.pt"``) saved after every epoch.
        resume: continue from ``checkpoint`` when it exists.
        verbose: 0 for silence (what the book uses), 1 for a tqdm progress bar.
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
    images, labels = _check_data(model, images, labels)
    plan = common.make_plan(len(images), batch_size, epochs, steps)
    sample_every = common.check_int("sample_every", sample_every)
    run = common.run_key(n=len(images), batch_size=plan.batch_size, seed=seed)
    device = get_device(device)
    model.to(device)
    nudge_weights(model)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    history, done, partial = {}, 0, {}
    if resume and checkpoint is not None and pathlib.Path(checkpoint).exists():
        state = _read(model, checkpoint)
        common.check_resume(state.get("run"), run, checkpoint)
        history, done, partial = state["history"], state["step"], state["partial"]
        done = state["epoch"] * plan.per_epoch if done is None else done
        if done > plan.total_steps:
            return history  # the checkpoint is already past this budget
    # (N, H, W); the model adds the channel axis
    x_all = torch.as_tensor(images, device=device)
    y_all = None if labels is None else torch.as_tensor(labels, device=device)
    start_epoch, offset = plan.position(done)
    bar = _progress(range(start_epoch, plan.epochs), verbose)
    last = {}
    # the data were checked once above: no per-step checks in the models
    with trusted_inputs():
        for epoch in bar:
            model.train()
            order = torch.as_tensor(
                common.epoch_indices(len(images), plan, seed, epoch), device=device
            )
            noise = torch.as_tensor(
                common.epoch_noise(plan, model.noise_dim, seed, epoch), device=device
            )
            first = offset if epoch == start_epoch else 0
            # The sums of an epoch cut short by the last run continue from the
            # checkpoint (float32, as here).
            sums = (
                {
                    k: torch.tensor(v, dtype=torch.float32, device=device)
                    for k, v in partial.items()
                }
                if first
                else {}
            )
            for step in range(first, plan.epoch_steps[epoch]):
                batch = {"images": x_all[order[step]], "noise": noise[step]}
                if y_all is not None:
                    batch["labels"] = y_all[order[step]]
                for key, value in model.train_step(batch).items():
                    # stays on the device: no sync per step
                    sums[key] = sums.get(key, 0.0) + value
            count = plan.epoch_steps[epoch]
            # one sync per epoch
            last = {key: float(value) / count for key, value in sums.items()}
            common.check_finite(last, epoch, checkpoint)
            complete = count == plan.per_epoch
            if complete:
                common.record(history, epoch * plan.per_epoch + count, last)
            if checkpoint is not None:
                partial = (
                    {}
                    if complete
                    else {key: float(value) for key, value in sums.items()}
                )
                _write(
                    model,
                    checkpoint,
                    epoch=epoch + complete,
                    step=epoch * plan.per_epoch + count,
                    history=history,
                    resume={"run": run, "partial": partial},
                )
            if verbose:
                bar.set_postfix({k: f"{v:.3f}" for k, v in last.items()})
            if on_samples is not None and (epoch + 1) % sample_every == 0:
                on_samples(epoch, model.sample(num_samples, seed=seed))
    return common.with_short_epoch(history, last, plan)


def save_checkpoint(
    model, path, *, epoch: int = 0, history: dict | None = None
) -> pathlib.Path:
    """Save weights, optimizer states, the epoch reached and the history to ``path``.

    A plain dictionary of tensors, numbers and strings, written to a temporary
    file and renamed, so a crash never leaves a half-written checkpoint behind.
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
    reached, the run's data and batch size, the sums of an unfinished epoch (and random
    state)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model_state = model.state_dict()
    state = {
        "format": CHECKPOINT_FORMAT,
        "class": type(model).__name__,
        "shapes": {k: list(v.shape) for k, v in model_state.items()},
        "model": model_state,
        "optimizers": {
            name: opt.state_dict() for name, opt in model.optimizers().items()
        },
        # None for a language model (no epochs)
        "epoch": None if epoch is None else int(epoch),
        # None: a hand-made checkpoint, at a whole epoch
        "step": None if step is None else int(step),
        "history": common.history_state(history),
        "resume": resume or {},
    }
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only still there when the save was interrupted
    return path


def load_checkpoint(model, path) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` into ``model`` (and its
    optimizers).

    Uses ``torch.load(..., weights_only=True)``: only tensors and plain
    containers are read, never arbitrary pickled code.  A file that is empty,
    truncated, written by Keras, or saved from another class or size of model
    is refused with a ``ValueError`` that says which.

    Returns:
        ``{"epoch": int, "step": int | None, "history": dict}`` (``step``: the
        optimisation steps done, ``None`` for a checkpoint saved by hand).
    """
    state = _read(model, path)
    return {"epoch": state["epoch"], "step": state["step"], "history": state["history"]}


def _read(model, path) -> dict:
    """Load ``path`` into ``model``; return the epoch, step, history and resume
    record."""
    path = common.check_checkpoint_file(path, "torch")
    device = next(model.parameters()).device
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as error:
        raise ValueError(
            f"checkpoint {path} holds objects other than tensors and plain "
            "containers; refused to unpickle them "
            "(aigc_course checkpoints never need that)"
        ) from error
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile) as error:
        raise common.damaged(path, error) from error
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        found = state.get("format") if isinstance(state, dict) else None
        raise ValueError(
            f"checkpoint {path} is not an aigc_course PyTorch checkpoint of format "
            f"{CHECKPOINT_FORMAT} (found "
            f"format {found!r}); re-create it by training again"
        )
    model_shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    common.check_same_model(
        path, state.get("class"), model, state.get("shapes"), model_shapes
    )
    model.load_state_dict(state["model"])
    optimizers = model.optimizers()
    if set(optimizers) != set(state["optimizers"]):
        raise ValueError(
            f"{path} holds optimizers {sorted(state['optimizers'])}, the "
            f"model has {sorted(optimizers)}"
        )
    for name, opt in optimizers.items():
        opt.load_state_dict(state["optimizers"][name])
    resume = state.get("resume", {})
    return {
        "epoch": state["epoch"],
        "step": state["step"],
        "history": {k: list(v) for k, v in state["history"].items()},
        "run": resume.get("run"),
        "partial": resume.get("partial", {}),
        "rng": resume.get("rng"),
    }


class Trainable:
    """Gives a model ``fit``: a short method that hands over to :func:`train`."""

    def fit(self, images, labels=None, **kwargs) -> dict[str, list[float]]:
        """Train on ``images`` (and ``labels``); see :func:`train` for the keyword
        arguments."""
        return train(self, images, labels, **kwargs)

    @torch.no_grad()
    def loss_terms(self, *inputs) -> dict[str, float]:
        """``compute_losses`` on NumPy arrays (or tensors): each term as a float, for
        evaluation.

        Takes what ``compute_losses`` takes (e.g. ``images, noise, labels`` for a
        VAE); floating arrays become float32 on the model's device.
        """
        device = next(self.parameters()).device
        tensors = [
            None if a is None else torch.as_tensor(common.float32(a), device=device)
            for a in inputs
        ]
        return {
            key: float(value) for key, value in self.compute_losses(*tensors).items()
        }


class OneOptimizer(Trainable):
    """A model trained by one Adam optimizer on its ``loss``: the twin of the Keras base
    of that name.

    The autoencoders, the inpainter, the masked and denoising autoencoders and the
    classifier share it.  A subclass builds its layers, then calls :meth:`_compile`;
    a model whose batch needs preparing (the inpainter draws holes from the
    batch's noise) overrides :meth:`_batch_losses`.
    """

    def _compile(self, learning_rate: float) -> None:
        """The optimizer, over the parameters that exist now."""
        self.optimizer = torch.optim.Adam(
            self.parameters(),
            lr=common.check_nonnegative("learning_rate", learning_rate),
        )

    def _batch_losses(self, images, labels, noise) -> dict:
        return self.compute_losses(images, noise, labels)

    def train_step(self, batch: dict) -> dict:
        """One Adam step on the loss of ``batch`` (``images``, optional ``noise`` and
        ``labels``)."""
        losses = self._batch_losses(
            batch["images"], batch.get("labels"), batch.get("noise")
        )
        self.optimizer.zero_grad(set_to_none=True)
        losses["loss"].backward()
        self.optimizer.step()
        return {key: value.detach() for key, value in losses.items()}

    def optimizers(self) -> dict:
        """The optimizers by name; checkpoints save and restore their state."""
        return {"optimizer": self.optimizer}


def _check_model(model) -> None:
    common.check_trainable(model, torch.nn.Module, "torch")


def _check_data(model, images, labels):
    images = common.check_images(images, model.image_size, model.pixel_range)
    return images, common.check_labels(labels, model.num_classes, len(images))


def _progress(epochs, verbose: int):
    if not verbose:
        return _Silent(epochs)
    from tqdm import tqdm  # not tqdm.auto: no ipywidgets warning in notebooks

    return tqdm(epochs, desc="epochs", unit="epoch")


class _Silent(list):
    """An iterable of epochs with tqdm's ``set_postfix``, doing nothing."""

    def set_postfix(self, *args, **kwargs) -> None:
        pass
