"""The TensorFlow-backend check, kept apart so it runs before anything imports Keras
models."""

from __future__ import annotations

import importlib.util
import os


def require_tensorflow_backend() -> None:
    """Raise a clear error unless Keras runs (or will run) on TensorFlow."""
    import aigc_course  # noqa: F401  (sets KERAS_BACKEND before keras is imported)

    if importlib.util.find_spec("tensorflow") is None:
        raise ImportError(
            "aigc_course.keras needs TensorFlow, which is not installed. "
            "Run the README's set-up command, or use aigc_course.torch."
        )
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(
            "aigc_course.keras needs Keras on the TensorFlow backend, but Keras is "
            "using "
            f"{backend!r} (KERAS_BACKEND={os.environ.get('KERAS_BACKEND')!r}). Set "
            "KERAS_BACKEND=tensorflow before Python starts (or before the first "
            "'import keras'), "
            "or use aigc_course.torch."
        )
