"""One seed for Python, NumPy, TensorFlow/Keras and PyTorch."""

from __future__ import annotations

import importlib.util
import os
import random
import sys
import warnings

import numpy as np

# Threads the frameworks were given by the first call; TensorFlow cannot change
# them once its runtime has started.
_tf_threads: int | None = None

THREADS_ENV_VAR = "AIGC_COURSE_THREADS"
# Added to every seed: measures how far a notebook's trained numbers move with the
# seed (python scripts/notebooks.py spread), without editing the notebooks.
SEED_OFFSET_ENV_VAR = "AIGC_COURSE_SEED_OFFSET"


def _installed(name: str) -> bool:
    return name in sys.modules or importlib.util.find_spec(name) is not None


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"seed must be an integer, got {seed!r} ({type(seed).__name__})"
        )
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    return int(seed)


def _int_from_env(name: str, minimum: int) -> int | None:
    """The integer in environment variable ``name`` (None when unset); ``ValueError``
    when malformed."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise ValueError(f"{name} must be {kind} integer, got {text!r}")
    return int(text)


def seed_offset_from_env() -> int:
    """``AIGC_COURSE_SEED_OFFSET`` (0 when unset); ``ValueError`` when malformed."""
    return _int_from_env(SEED_OFFSET_ENV_VAR, minimum=0) or 0


def threads_from_env() -> int | None:
    """``AIGC_COURSE_THREADS`` (None when unset); ``ValueError`` when malformed."""
    return _int_from_env(THREADS_ENV_VAR, minimum=1)


def _offset(seed: int) -> int:
    return (seed + seed_offset_from_env()) % 2**32


def _check_threads(num_threads) -> int | None:
    if num_threads == "auto":
        return threads_from_env() or 1
    if num_threads is not None and (
        isinstance(num_threads, bool)
        or not isinstance(num_threads, int)
        or num_threads < 1
    ):
        raise ValueError(
            "num_threads must be a positive integer, 'auto' or None, "
            f"got {num_threads!r}"
        )
    return num_threads


def _seed_tensorflow(seed: int, num_threads: int | None, deterministic: bool) -> None:
    global _tf_threads
    import keras
    import tensorflow as tf

    # Seeds Python, NumPy and TensorFlow.  On the TensorFlow backend it does
    # *not* seed PyTorch, which is why PyTorch is seeded separately below.
    keras.utils.set_random_seed(seed)
    if num_threads is not None and _tf_threads != num_threads:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(num_threads)
            tf.config.threading.set_inter_op_parallelism_threads(num_threads)
            _tf_threads = num_threads
        except RuntimeError:
            warnings.warn(
                f"TensorFlow was already running, so its thread count stays at "
                f"{_tf_threads or 'its default'} (asked for {num_threads}); call "
                "seed_everything before building any Keras model to fix it.",
                stacklevel=3,
            )
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def _seed_torch(seed: int, num_threads: int | None, deterministic: bool) -> None:
    import torch

    torch.manual_seed(seed)  # also seeds every CUDA device
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    if deterministic:
        # warn_only: a few CUDA kernels have no deterministic version; they
        # should warn, not stop a lesson.
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False


def _limit_blas_threads(num_threads: int) -> None:
    """Give NumPy/SciPy/scikit-learn's BLAS the same thread count as the frameworks.

    Sums in a matrix product are split across threads, so the count changes
    the last digits; on a busy two-core machine, BLAS threads competing with
    each other also made a small scikit-learn fit many times slower.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # installed with scikit-learn; without it, leave BLAS alone
        return
    threadpool_limits(limits=num_threads)


def seed_everything(
    seed: int = 0, *, num_threads: int | str | None = "auto", deterministic: bool = True
) -> int:
    """Seed Python, NumPy, TensorFlow/Keras and PyTorch (each one that is installed).

    Args:
        seed: an integer in ``[0, 2**32)``.
        num_threads: CPU threads for TensorFlow, PyTorch and NumPy's BLAS.  Results of a
            seeded run change with the thread count, so the book fixes it: ``"auto"``
            (the default) means the ``AIGC_COURSE_THREADS`` environment variable when it
            is set, else 1.  ``None`` keeps each framework's default: faster on many
            cores, not repeatable across machines.  TensorFlow only accepts it before
            its runtime starts.
        deterministic: turn on TensorFlow op determinism and PyTorch's
            deterministic algorithms.

    Returns:
        The seed, so a notebook can print what it used.
    """
    seed = _check_seed(seed)
    num_threads = _check_threads(num_threads)
    seed = _offset(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses such as data workers
    random.seed(seed)
    np.random.seed(seed)
    if num_threads is not None:
        _limit_blas_threads(num_threads)
    if _installed("tensorflow") and _installed("keras"):
        _seed_tensorflow(seed, num_threads, deterministic)
    if _installed("torch"):
        _seed_torch(seed, num_threads, deterministic)
    return seed
