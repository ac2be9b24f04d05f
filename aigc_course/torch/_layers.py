"""Small helpers the PyTorch model files share: image layout and label conditioning."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def to_channels_first(images: torch.Tensor, image_size: int, name: str = "images") -> torch.Tensor:
    """``(N, H, W)`` or ``(N, 1, H, W)`` -> ``(N, 1, H, W)``; anything else is a ``ValueError``."""
    shape = tuple(images.shape)
    if len(shape) == 3 and shape[1:] == (image_size, image_size):
        return images.unsqueeze(1)  # (N, 1, H, W): PyTorch puts channels first
    if len(shape) == 4 and shape[1:] == (1, image_size, image_size):
        return images
    raise ValueError(f"{name} must have shape (N, {image_size}, {image_size}) or (N, 1, {image_size}, {image_size}), got {shape}")


def check_latents(z: torch.Tensor, latent_dim: int, name: str = "z") -> torch.Tensor:
    if z.ndim != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"{name} must have shape (N, {latent_dim}), got {tuple(z.shape)}")
    return z


def one_hot(labels, num_classes: int, batch: int) -> torch.Tensor:
    """One-hot float labels ``(N, num_classes)`` for a conditional model (Mirza & Osindero, 2014)."""
    if labels is None:
        raise ValueError(f"labels are required: the model is conditional (num_classes={num_classes})")
    if labels.shape != (batch,):
        raise ValueError(f"labels must have shape ({batch},), got {tuple(labels.shape)}")
    return F.one_hot(labels.long(), num_classes).float()


def condition(h: torch.Tensor, labels, num_classes: int) -> torch.Tensor:
    """Append the one-hot label to a batch of vectors (identity for an unconditional model)."""
    if not num_classes:
        no_labels(labels, 0)
        return h
    return torch.cat([h, one_hot(labels, num_classes, len(h))], dim=1)


def no_labels(labels, num_classes: int) -> None:
    if num_classes == 0 and labels is not None:
        raise ValueError("labels were given but the model is unconditional (num_classes=0); pass labels=None")


def torch_images(images, device) -> torch.Tensor:
    """NumPy or tensor images as a float32 tensor on ``device``."""
    return torch.as_tensor(images, dtype=torch.float32, device=device)
