"""Small helpers every PyTorch model file uses."""

from __future__ import annotations

import torch
from torch import nn

from aigc_course.core import perturb
from aigc_course.core.device import requested_device


def get_device(device: str | None = None) -> torch.device:
    """The device to train on: a CUDA GPU when one is present, else the CPU.

    Args:
        device: ``"auto"``, ``"cpu"`` or ``"gpu"``; ``None`` reads the
            ``AIGC_COURSE_DEVICE`` environment variable (default ``auto``).
    """
    choice = requested_device(device)
    if choice == "gpu" and not torch.cuda.is_available():
        raise ValueError(
            "device='gpu' was asked for but PyTorch sees no CUDA GPU "
            "(torch.cuda.is_available() is False)"
        )
    if choice in ("gpu", "auto") and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters in ``model`` (only trainable ones if asked)."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(
        p.numel() for p in model.parameters() if p.requires_grad or not trainable_only
    )


def nudge_weights(model: nn.Module) -> None:
    """Emulate another machine's rounding when ``AIGC_COURSE_PERTURB`` is set (see
    ``aigc_course.core.perturb``)."""
    size = perturb.size_for(model)
    if not size:
        return
    with torch.no_grad():
        # Trainable weights only: a frozen base (LoRA, a probe's backbone) stays exactly
        # as loaded on every machine, and the notebooks check that it does.
        for index, weight in enumerate(
            p for p in model.parameters() if p.requires_grad
        ):
            if weight.is_floating_point():
                weight.mul_(
                    torch.as_tensor(
                        perturb.factors(tuple(weight.shape), index, size),
                        device=weight.device,
                    )
                )
