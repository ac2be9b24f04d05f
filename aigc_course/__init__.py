"""Companion package of the book *AIGC Course* (AIGC 从入门到实战).

The same models live in two subpackages with the same names and signatures::

    from aigc_course import torch as ac   # PyTorch
    from aigc_course import keras as ac   # Keras 3 on the TensorFlow backend

Framework-free code is written once, in NumPy, grouped by what it is for::

    aigc_course.core          what both frameworks build on: checks, seed, training plan
    aigc_course.data          offline data sets: digits, 2-D points, text, audio, masks
    aigc_course.maths         the book's formulas: theory, diffusion schedules and steps
    aigc_course.evaluation    metrics, the reference classifier, PSNR and naive fills
    aigc_course.book          notebook helpers: plotting, claims, parity (weight copy)
    aigc_course.exercises     the exercise checkers

Importing this package imports neither framework.
"""

import os as _os

# TensorFlow reads these once, when it is first imported, so they must be set
# before any framework import.  ``setdefault`` leaves a reader's own choice alone.
#  - Level 3 keeps TensorFlow's C++ start-up logs out of notebook outputs.
#  - oneDNN's fused kernels change results with the thread count; off makes
#    seeded runs repeatable from machine to machine.
#  - Keras 3 picks its backend at import; the course's Keras code is written
#    for TensorFlow.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from aigc_course.core.seed import seed_everything  # noqa: E402

__version__ = "0.1.0"
__all__ = ["seed_everything", "__version__"]
