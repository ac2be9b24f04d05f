"""Small helpers the Keras model files share: PyTorch-style layers, what a network is
called with, labels.

PyTorch initialises ``Linear``, ``Conv2d`` and ``ConvTranspose2d`` weights *and*
biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (``kaiming_uniform_(a=sqrt(5))``).
Keras' defaults (Glorot uniform, zero bias) train the MLP GAN markedly worse, so
the course's Keras layers use PyTorch's rule: side-by-side results are then
comparable.  ``fan_in`` is passed in because a Keras bias initializer cannot see it.

What a network is called with is checked by :mod:`aigc_course.core.checks`, shared
with the PyTorch twin, so both refuse the same inputs with the same message.
Shapes are always checked; values only when they are concrete (eager), never
while Keras traces a ``train_step``.
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from aigc_course.core import checks


def named_layers(model, prefix: str = ""):
    """``(path, layer)`` for every layer below ``model`` reached through its attributes,
    in creation order.

    Paths use PyTorch's spelling (``"blocks.0.attn.c_attn"``), so the same
    ``targets`` select the same layers in both frameworks.
    """
    seen = set()

    def walk(layer, path):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        if path:
            yield path, layer
        if isinstance(layer, keras.Sequential):
            children = [(str(i), sub) for i, sub in enumerate(layer.layers)]
        else:
            children = []
            for name, value in vars(layer).items():
                if name.startswith("_"):
                    continue
                if isinstance(value, keras.layers.Layer):
                    children.append((name, value))
                elif isinstance(value, (list, tuple)):
                    children += [
                        (f"{name}.{i}", v)
                        for i, v in enumerate(value)
                        if isinstance(v, keras.layers.Layer)
                    ]
        for name, child in children:
            yield from walk(child, f"{path}.{name}" if path else name)

    yield from walk(model, prefix)


def own_weights(layer) -> list:
    """The weights ``layer`` created itself, not those of the layers inside it."""
    inner = {id(w) for _, sub in named_layers(layer) for w in sub.weights}
    return [w for w in layer.weights if id(w) not in inner]


def _uniform(fan_in: int) -> keras.initializers.Initializer:
    bound = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(-bound, bound)


def dense(in_features: int, units: int) -> keras.layers.Dense:
    """``Dense`` initialised like ``torch.nn.Linear(in_features, units)``."""
    return keras.layers.Dense(
        units,
        kernel_initializer=_uniform(in_features),
        bias_initializer=_uniform(in_features),
    )


def conv(
    in_channels: int, filters: int, kernel_size: int = 4, strides: int = 2
) -> keras.layers.Conv2D:
    """``Conv2D`` like ``torch.nn.Conv2d(in_channels, filters, 4, stride=2,
    padding=1)``.

    With an even input size, ``padding="same"`` pads one pixel on each side,
    which is PyTorch's ``padding=1`` here.
    """
    fan_in = in_channels * kernel_size * kernel_size
    return keras.layers.Conv2D(
        filters, kernel_size, strides=strides, padding="same",
        kernel_initializer=_uniform(fan_in), bias_initializer=_uniform(fan_in),
    )  # fmt: skip


def conv_transpose(
    in_channels: int, filters: int, kernel_size: int = 4, strides: int = 2
) -> keras.layers.Conv2DTranspose:
    """``Conv2DTranspose`` like ``torch.nn.ConvTranspose2d(in_channels, filters, 4,
    stride=2, padding=1)``.

    PyTorch computes a transposed convolution's fan-in from its weight's second
    axis, the *output* channels, so that is what the bound uses here too.
    """
    fan_in = filters * kernel_size * kernel_size
    return keras.layers.Conv2DTranspose(
        filters, kernel_size, strides=strides, padding="same",
        kernel_initializer=_uniform(fan_in), bias_initializer=_uniform(fan_in),
    )  # fmt: skip


def bce_with_logits(target, logits):
    """Binary cross-entropy from logits, averaged over the batch: PyTorch's
    ``F.binary_cross_entropy_with_logits`` with its default mean reduction."""
    return ops.mean(ops.binary_crossentropy(target, logits, from_logits=True))


def batch_norm() -> keras.layers.BatchNormalization:
    """``BatchNormalization`` with PyTorch's settings: Keras' momentum 0.9 is PyTorch's
    0.1; eps 1e-5."""
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)


@contextlib.contextmanager
def own_message():
    """Keep a bad-input error raised inside a network's ``call`` as it is, as in the
    PyTorch twin.

    Keras re-raises an error from ``call`` with its own first line ("Exception
    encountered when calling ...") unless the error is marked as already
    annotated; the course's message, which names the argument, is the whole
    story.  Usable as a decorator.
    """
    try:
        yield
    except (ValueError, TypeError) as error:
        # the mark Keras leaves on errors it has annotated
        error._keras_call_info_injected = True
        raise


def concrete(*values) -> bool:
    """Whether the models should check ``values``' contents now: running eagerly (not
    tracing a ``train_step``), none of them a symbolic ``KerasTensor``, and not inside
    ``trusted_inputs()``."""
    return (
        checks.checking_values()
        and tf.executing_eagerly()
        and not any(isinstance(v, keras.KerasTensor) for v in values)
    )


@own_message()
def images_in(images, image_size: int, name: str = "images", pixel_range=None):
    """``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, 1, H, W)`` images -> float32 ``(N, H, W,
    1)``.

    When concrete, the pixels must also be finite (and within ``pixel_range`` when
    given).
    """
    if concrete(images):
        checks.check_images(np.asarray(images), image_size, pixel_range, name)
    x = ops.convert_to_tensor(images, dtype="float32")
    axis = checks.image_channel_axis(x.shape, image_size, name)
    if axis is None:
        return ops.expand_dims(x, -1)  # (N, H, W, 1): Keras puts channels last
    # (N, 1, H, W) -> (N, H, W, 1)
    return ops.transpose(x, (0, 2, 3, 1)) if axis == 1 else x


@own_message()
def latents_in(z, latent_dim: int, name: str = "z"):
    """Latent vectors as float32 ``(N, latent_dim)`` (finite, when concrete)."""
    if concrete(z):
        checks.check_latents(np.asarray(z), latent_dim, name)
    z = ops.convert_to_tensor(z, dtype="float32")
    checks.check_latent_shape(z.shape, latent_dim, name)
    return z


@own_message()
def labels_in(labels, num_classes: int, n, name: str = "labels"):
    """Integer labels ``(n,)`` for a conditional model (in range, when concrete);
    ``None`` otherwise.

    ``n`` is the batch size, or ``None`` while tracing with an unknown batch.
    """
    if not num_classes or labels is None:
        # None, or the error that says why
        return checks.check_labels(labels, num_classes, n, name)
    if concrete(labels):
        return ops.convert_to_tensor(
            checks.check_labels(np.asarray(labels), num_classes, n, name)
        )
    y = ops.convert_to_tensor(labels)
    checks.check_label_shape(y.shape, n, name)
    return y


@own_message()
def ids_in(idx, vocab_size: int, block_size: int, name: str = "idx"):
    """Token ids ``(B, T)`` (each in ``[0, vocab_size)``, when concrete)."""
    if concrete(idx):
        return ops.convert_to_tensor(
            checks.check_ids(np.asarray(idx), vocab_size, block_size, name)
        )
    idx = ops.convert_to_tensor(idx)
    checks.check_id_layout(
        idx.shape, keras.backend.standardize_dtype(idx.dtype), block_size, name
    )
    return idx


def latents_and_labels(net, z, labels):
    """A generator's or decoder's inputs, checked: ``(N, latent_dim)`` float32, ``(N,)``
    labels or None."""
    z = latents_in(z, net.latent_dim)
    return z, labels_in(labels, net.num_classes, z.shape[0])


def images_and_labels(net, images, labels):
    """A discriminator's or encoder's inputs, checked: ``(N, H, W, 1)`` float32,
    ``(N,)`` labels or None."""
    x = images_in(images, net.image_size)
    return x, labels_in(labels, net.num_classes, x.shape[0])


def condition(h, labels, num_classes: int):
    """Append the one-hot label (Mirza & Osindero, 2014) to a batch of vectors; identity
    for an unconditional model."""
    if not num_classes:
        return h
    # (N, D + K)
    return ops.concatenate(
        [h, ops.one_hot(ops.cast(labels, "int32"), num_classes)], axis=1
    )


def label_maps(x, labels, num_classes: int):
    """Append the one-hot label as K constant feature maps: ``(N, H, W, C)`` -> ``(N, H,
    W, C + K)``."""
    if not num_classes:
        return x
    # (N, 1, 1, K)
    maps = ops.one_hot(ops.cast(labels, "int32"), num_classes)[:, None, None, :]
    return ops.concatenate(
        [x, ops.broadcast_to(maps, (ops.shape(x)[0], *x.shape[1:3], num_classes))], -1
    )


def unpack_batch(data, noise_dim: int, seed_generator):
    """``(images, labels, noise)`` from the trainer's dict or from Keras' ``(x,)`` /
    ``(x, y)``."""
    if isinstance(data, dict):
        images, labels, noise = data["images"], data.get("labels"), data.get("noise")
    else:
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        noise = None
    if noise is None and noise_dim:
        noise = keras.random.normal(
            (ops.shape(images)[0], noise_dim), seed=seed_generator
        )
    return images, labels, noise
