"""Small helpers every Keras model file uses."""

from __future__ import annotations

import keras
import tensorflow as tf

from aigc_course._device import requested_device


def get_device(device: str | None = None) -> str:
    """The TensorFlow device to train on: ``"/GPU:0"`` when a GPU is visible, else ``"/CPU:0"``.

    Keras places work on a visible GPU by itself; use the result with
    ``tf.device(...)`` to pin work explicitly.

    Args:
        device: ``"auto"``, ``"cpu"`` or ``"gpu"``; ``None`` reads the
            ``AIGC_COURSE_DEVICE`` environment variable (default ``auto``).
    """
    choice = requested_device(device)
    has_gpu = bool(tf.config.list_physical_devices("GPU"))
    if choice == "gpu" and not has_gpu:
        raise ValueError("device='gpu' was asked for but TensorFlow sees no GPU (tf.config.list_physical_devices('GPU') is empty)")
    if choice in ("gpu", "auto") and has_gpu:
        return "/GPU:0"
    return "/CPU:0"


def count_parameters(model: keras.Model, trainable_only: bool = False) -> int:
    """Number of scalar parameters in ``model`` (only trainable ones if asked)."""
    if not isinstance(model, (keras.Model, keras.layers.Layer)):
        raise ValueError(f"model must be a keras.Model or Layer, got {type(model).__name__}")
    weights = model.trainable_weights if trainable_only else model.weights
    return int(sum(int(w.numpy().size) for w in weights))
