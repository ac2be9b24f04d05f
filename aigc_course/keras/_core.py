"""Small helpers every Keras model file uses."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from aigc_course.core import perturb
from aigc_course.core.device import requested_device
from aigc_course.keras._layers import named_layers


def get_device(device: str | None = None) -> str:
    """The TensorFlow device to train on: ``"/GPU:0"`` when a GPU is visible, else
    ``"/CPU:0"``.

    Keras places work on a visible GPU by itself; use the result with
    ``tf.device(...)`` to pin work explicitly.

    Args:
        device: ``"auto"``, ``"cpu"`` or ``"gpu"``; ``None`` reads the
            ``AIGC_COURSE_DEVICE`` environment variable (default ``auto``).
    """
    choice = requested_device(device)
    has_gpu = bool(tf.config.list_physical_devices("GPU"))
    if choice == "gpu" and not has_gpu:
        raise ValueError(
            "device='gpu' was asked for but TensorFlow sees no GPU "
            "(tf.config.list_physical_devices('GPU') is empty)"
        )
    if choice in ("gpu", "auto") and has_gpu:
        return "/GPU:0"
    return "/CPU:0"


def count_parameters(model: keras.Model, trainable_only: bool = False) -> int:
    """Number of scalar parameters in ``model`` (only trainable ones if asked).

    Counts what PyTorch calls parameters: every weight a layer creates as
    trainable, frozen or not.  BatchNorm's moving mean and variance are
    statistics (PyTorch keeps them as buffers), so neither framework counts them.
    """
    if not isinstance(model, (keras.Model, keras.layers.Layer)):
        raise ValueError(
            f"model must be a keras.Model or Layer, got {type(model).__name__}"
        )
    if trainable_only:
        weights = model.trainable_weights
    else:
        # `layer.trainable = False` flips its variables' flags, so frozen weights and
        # statistics both read as non-trainable: leave out the statistics by name.
        from aigc_course.keras.lora import LoRALinear  # here: lora imports this module

        statistics = set()
        for _, layer in [("", model), *named_layers(model)]:
            if isinstance(layer, keras.layers.BatchNormalization):
                statistics |= {id(layer.moving_mean), id(layer.moving_variance)}
            if isinstance(layer, LoRALinear):
                # PyTorch's twin keeps its scaling as a float
                statistics.add(id(layer.gate))
        weights = [w for w in model.weights if id(w) not in statistics]
    return int(sum(int(np.prod(w.shape)) for w in weights))


def nudge_weights(model) -> None:
    """Emulate another machine's rounding when ``AIGC_COURSE_PERTURB`` is set (see
    ``aigc_course.core.perturb``)."""
    size = perturb.size_for(model)
    if not size:
        return
    # Trainable weights only: a frozen base (LoRA, a probe's backbone) and constants
    # such as LoRA's scaling stay exactly as loaded on every machine.
    for index, weight in enumerate(model.trainable_weights):
        if "float" in str(weight.dtype):
            weight.assign(weight * perturb.factors(tuple(weight.shape), index, size))
