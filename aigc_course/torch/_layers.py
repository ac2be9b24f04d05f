"""Small helpers the PyTorch model files share: what a network is called with, and label
conditioning.

Every network accepts NumPy arrays or tensors of any real dtype, like its Keras
twin, and turns them into float32 tensors on its own device.  Shapes are always
checked (free); values only outside :func:`aigc_course.core.checks.trusted_inputs`,
because reading them syncs a GPU.  The checks themselves live in
:mod:`aigc_course.core.checks`, shared with the Keras twin, so both frameworks
refuse the same inputs with the same message.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aigc_course.core import checks


def device_of(module: nn.Module) -> torch.device:
    return next(module.parameters()).device


def to_numpy(x) -> np.ndarray:
    """A tensor (on any device, with or without gradient) or array-like as NumPy, to be
    checked."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return (x.float() if x.dtype == torch.bfloat16 else x).cpu().numpy()
    return np.asarray(x)


def images_in(
    images, image_size: int, device, name: str = "images", pixel_range=None
) -> torch.Tensor:
    """``(N, H, W)``, ``(N, 1, H, W)`` or ``(N, H, W, 1)`` images -> float32 ``(N, 1, H,
    W)`` on ``device``.

    Outside training the pixels must also be finite (and within ``pixel_range`` when
    given).
    """
    if checks.checking_values():
        checks.check_images(to_numpy(images), image_size, pixel_range, name)
    x = torch.as_tensor(images, dtype=torch.float32, device=device)
    axis = checks.image_channel_axis(x.shape, image_size, name)
    if axis is None:
        return x.unsqueeze(1)  # (N, 1, H, W): PyTorch puts channels first
    return x.permute(0, 3, 1, 2) if axis == 3 else x


def latents_in(z, latent_dim: int, device, name: str = "z") -> torch.Tensor:
    """Latent vectors as float32 ``(N, latent_dim)`` on ``device`` (finite, outside
    training)."""
    if checks.checking_values():
        checks.check_latents(to_numpy(z), latent_dim, name)
    z = torch.as_tensor(z, dtype=torch.float32, device=device)
    checks.check_latent_shape(z.shape, latent_dim, name)
    return z


def labels_in(
    labels, num_classes: int, n: int, device, name: str = "labels"
) -> torch.Tensor | None:
    """Integer labels ``(n,)`` on ``device`` for a conditional model (in range, outside
    training); ``None`` otherwise."""
    if not num_classes or labels is None:
        # None, or the error that says why
        return checks.check_labels(labels, num_classes, n, name)
    if checks.checking_values():
        checks.check_labels(to_numpy(labels), num_classes, n, name)
    y = torch.as_tensor(labels, device=device)
    checks.check_label_shape(y.shape, n, name)
    return y.long()


def ids_in(
    idx, vocab_size: int, block_size: int, device, name: str = "idx"
) -> torch.Tensor:
    """Token ids ``(B, T)`` as an int64 tensor on ``device`` (each in ``[0,
    vocab_size)``, outside training)."""
    if checks.checking_values():
        checks.check_ids(to_numpy(idx), vocab_size, block_size, name)
    idx = torch.as_tensor(idx, device=device)
    checks.check_id_layout(
        idx.shape, str(idx.dtype).removeprefix("torch."), block_size, name
    )
    return idx.long()


def latents_and_labels(net: nn.Module, z, labels):
    """A generator's or decoder's inputs, checked, on its device: ``(N, latent_dim)``
    float32, ``(N,)`` labels or None."""
    device = device_of(net)
    z = latents_in(z, net.latent_dim, device)
    return z, labels_in(labels, net.num_classes, len(z), device)


def images_and_labels(net: nn.Module, images, labels):
    """A discriminator's or encoder's inputs, checked, on its device: ``(N, 1, H, W)``
    float32, ``(N,)`` labels or None."""
    device = device_of(net)
    x = images_in(images, net.image_size, device)
    return x, labels_in(labels, net.num_classes, len(x), device)


def condition(
    h: torch.Tensor, labels: torch.Tensor | None, num_classes: int
) -> torch.Tensor:
    """Append the one-hot label (Mirza & Osindero, 2014) to a batch of vectors; identity
    for an unconditional model."""
    if not num_classes:
        return h
    return torch.cat([h, F.one_hot(labels, num_classes).float()], dim=1)  # (N, D + K)


def label_maps(
    x: torch.Tensor, labels: torch.Tensor | None, num_classes: int
) -> torch.Tensor:
    """Append the one-hot label as K constant feature maps: ``(N, C, H, W)`` -> ``(N, C
    + K, H, W)``."""
    if not num_classes:
        return x
    # (N, K, H, W)
    maps = (
        F.one_hot(labels, num_classes)
        .float()[:, :, None, None]
        .expand(-1, -1, *x.shape[2:])
    )
    return torch.cat([x, maps], dim=1)


def torch_images(images, device) -> torch.Tensor:
    """NumPy or tensor images as a float32 tensor on ``device``."""
    return torch.as_tensor(images, dtype=torch.float32, device=device)
