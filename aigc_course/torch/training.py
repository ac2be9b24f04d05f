"""The PyTorch training loop shared by every model, and checkpoints.

A model takes part by defining ``train_step(batch) -> dict of scalar tensors``,
``sample(num_samples, labels, seed)``, ``_optimizers()`` and the attributes
``image_size``, ``num_classes``, ``noise_dim`` and ``pixel_range``.  The Keras
twin, :mod:`aigc_course.keras.training`, has the same functions and arguments.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable

import torch

from aigc_course import _training as common
from aigc_course.torch._core import get_device, nudge_weights

CHECKPOINT_FORMAT = 1


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
    """Train ``model`` on ``images`` (``(N, H, W)`` NumPy) and return its per-epoch history.

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
        ``{"d_loss": [...], ...}``: the mean of each reported value per epoch,
        including the epochs before a resume.
    """
    images, labels = _check_data(model, images, labels)
    plan = common.make_plan(len(images), batch_size, epochs, steps)
    sample_every = common.check_int("sample_every", sample_every)
    device = get_device(device)
    model.to(device)
    nudge_weights(model)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    history, start = {}, 0
    if resume and checkpoint is not None and pathlib.Path(checkpoint).exists():
        state = load_checkpoint(model, checkpoint)
        history, start = state["history"], state["epoch"]
    x_all = torch.as_tensor(images, device=device)  # (N, H, W); the model adds the channel axis
    y_all = None if labels is None else torch.as_tensor(labels, device=device)
    bar = _progress(range(start, plan.epochs), verbose)
    for epoch in bar:
        model.train()
        order = torch.as_tensor(common.epoch_indices(len(images), plan, seed, epoch), device=device)
        noise = torch.as_tensor(common.epoch_noise(plan, model.noise_dim, seed, epoch), device=device)
        sums = {}
        for step in range(plan.epoch_steps[epoch]):
            batch = {"images": x_all[order[step]], "noise": noise[step]}
            if y_all is not None:
                batch["labels"] = y_all[order[step]]
            for key, value in model.train_step(batch).items():
                sums[key] = sums.get(key, 0.0) + value  # stays on the device: no sync per step
        means = {key: float(value) / plan.epoch_steps[epoch] for key, value in sums.items()}  # one sync per epoch
        common.check_finite(means, epoch, checkpoint)
        for key, value in means.items():
            history.setdefault(key, []).append(value)
        if checkpoint is not None:
            save_checkpoint(model, checkpoint, epoch=epoch + 1, history=history)
        if verbose:
            bar.set_postfix({k: f"{v:.3f}" for k, v in means.items()})
        if on_samples is not None and (epoch + 1) % sample_every == 0:
            on_samples(epoch, model.sample(num_samples, seed=seed))
    return history


def save_checkpoint(model, path, *, epoch: int = 0, history: dict | None = None) -> pathlib.Path:
    """Save weights, optimizer states, the epoch reached and the history to ``path``.

    A plain dictionary of tensors and numbers, written to a temporary file and
    renamed, so a crash never leaves a half-written checkpoint behind.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": CHECKPOINT_FORMAT,
        "model": model.state_dict(),
        "optimizers": {name: opt.state_dict() for name, opt in model._optimizers().items()},
        "epoch": int(epoch),
        "history": {k: [float(v) for v in vs] for k, vs in (history or {}).items()},
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(model, path) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` into ``model`` (and its optimizers).

    Uses ``torch.load(..., weights_only=True)``: only tensors and plain
    containers are read, never arbitrary pickled code.

    Returns:
        ``{"epoch": int, "history": dict}``.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    device = next(model.parameters()).device
    state = torch.load(path, map_location=device, weights_only=True)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an aigc_course PyTorch checkpoint (format {CHECKPOINT_FORMAT})")
    model.load_state_dict(state["model"])
    optimizers = model._optimizers()
    if set(optimizers) != set(state["optimizers"]):
        raise ValueError(f"{path} holds optimizers {sorted(state['optimizers'])}, the model has {sorted(optimizers)}")
    for name, opt in optimizers.items():
        opt.load_state_dict(state["optimizers"][name])
    return {"epoch": state["epoch"], "history": {k: list(v) for k, v in state["history"].items()}}


class Trainable:
    """Gives a model ``fit``: a short method that hands over to :func:`train`."""

    def fit(self, images, labels=None, **kwargs) -> dict[str, list[float]]:
        """Train on ``images`` (and ``labels``); see :func:`train` for the keyword arguments."""
        return train(self, images, labels, **kwargs)


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
