"""Small helpers the Keras model files share: PyTorch-style layers, image layout, labels.

PyTorch initialises ``Linear``, ``Conv2d`` and ``ConvTranspose2d`` weights *and*
biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (``kaiming_uniform_(a=sqrt(5))``).
Keras' defaults (Glorot uniform, zero bias) train the MLP GAN markedly worse, so
the course's Keras layers use PyTorch's rule: side-by-side results are then
comparable.  ``fan_in`` is passed in because a Keras bias initializer cannot see it.
"""

from __future__ import annotations

import math

import keras
from keras import ops


def _uniform(fan_in: int) -> keras.initializers.Initializer:
    bound = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(-bound, bound)


def dense(in_features: int, units: int) -> keras.layers.Dense:
    """``Dense`` initialised like ``torch.nn.Linear(in_features, units)``."""
    return keras.layers.Dense(units, kernel_initializer=_uniform(in_features), bias_initializer=_uniform(in_features))


def conv(in_channels: int, filters: int, kernel_size: int = 4, strides: int = 2) -> keras.layers.Conv2D:
    """``Conv2D`` like ``torch.nn.Conv2d(in_channels, filters, 4, stride=2, padding=1)``.

    With an even input size, ``padding="same"`` pads one pixel on each side,
    which is PyTorch's ``padding=1`` here.
    """
    fan_in = in_channels * kernel_size * kernel_size
    return keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding="same",
        kernel_initializer=_uniform(fan_in), bias_initializer=_uniform(fan_in),
    )  # fmt: skip


def conv_transpose(in_channels: int, filters: int, kernel_size: int = 4, strides: int = 2) -> keras.layers.Conv2DTranspose:
    """``Conv2DTranspose`` like ``torch.nn.ConvTranspose2d(in_channels, filters, 4, stride=2, padding=1)``.

    PyTorch computes a transposed convolution's fan-in from its weight's second
    axis, the *output* channels, so that is what the bound uses here too.
    """
    fan_in = filters * kernel_size * kernel_size
    return keras.layers.Conv2DTranspose(
        filters, kernel_size, strides=strides, padding="same",
        kernel_initializer=_uniform(fan_in), bias_initializer=_uniform(fan_in),
    )  # fmt: skip


def batch_norm() -> keras.layers.BatchNormalization:
    """``BatchNormalization`` with PyTorch's settings: Keras' momentum 0.9 is PyTorch's 0.1; eps 1e-5."""
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)


def to_channels_last(images, image_size: int, name: str = "images"):
    """``(N, H, W)`` or ``(N, H, W, 1)`` -> ``(N, H, W, 1)``; anything else is a ``ValueError``."""
    images = ops.convert_to_tensor(images, dtype="float32")
    shape = tuple(images.shape)
    if len(shape) == 3 and shape[1:] == (image_size, image_size):
        return ops.expand_dims(images, -1)  # (N, H, W, 1): Keras puts channels last
    if len(shape) == 4 and shape[1:] == (image_size, image_size, 1):
        return images
    raise ValueError(f"{name} must have shape (N, {image_size}, {image_size}) or (N, {image_size}, {image_size}, 1), got {shape}")


def check_latents(z, latent_dim: int, name: str = "z"):
    z = ops.convert_to_tensor(z, dtype="float32")
    if len(z.shape) != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"{name} must have shape (N, {latent_dim}), got {tuple(z.shape)}")
    return z


def one_hot(labels, num_classes: int):
    """One-hot float labels ``(N, num_classes)`` for a conditional model (Mirza & Osindero, 2014)."""
    if labels is None:
        raise ValueError(f"labels are required: the model is conditional (num_classes={num_classes})")
    labels = ops.convert_to_tensor(labels)
    if len(labels.shape) != 1:
        raise ValueError(f"labels must have shape (N,), got {tuple(labels.shape)}")
    return ops.one_hot(ops.cast(labels, "int32"), num_classes)


def condition(h, labels, num_classes: int):
    """Append the one-hot label to a batch of vectors (identity for an unconditional model)."""
    if not num_classes:
        no_labels(labels, 0)
        return h
    return ops.concatenate([h, one_hot(labels, num_classes)], axis=1)


def no_labels(labels, num_classes: int) -> None:
    if num_classes == 0 and labels is not None:
        raise ValueError("labels were given but the model is unconditional (num_classes=0); pass labels=None")


def unpack_batch(data, noise_dim: int, seed_generator):
    """``(images, labels, noise)`` from the trainer's dict or from Keras' ``(x,)`` / ``(x, y)``."""
    if isinstance(data, dict):
        images, labels, noise = data["images"], data.get("labels"), data.get("noise")
    else:
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        noise = None
    if noise is None and noise_dim:
        noise = keras.random.normal((ops.shape(images)[0], noise_dim), seed=seed_generator)
    return images, labels, noise
