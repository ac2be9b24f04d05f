"""Emulate another machine's rounding, for testing that the book's claims are portable.

Another CPU, operating system or thread count rounds the same float32 sums
differently, by about one part in 10^7 per operation, and over hundreds of
training steps that grows into the printed digits (a VAE's loss after 25 epochs:
159.09 on one CPU, 159.12 on another).  Setting ``AIGC_COURSE_PERTURB`` to a small
relative size (CI uses ``1e-4``) makes every trainer of the package multiply the
model's trainable float weights by ``1 +/- size`` (a fixed sign pattern) before
the model's first training step, in both frameworks (style transfer nudges the
image it optimises).  Frozen weights and constants stay exact, as on any machine.
Numbers that depend on training then change the way they do on another machine,
while data, noise streams and exact formula checks do not: a notebook that
compares a trained number digit for digit fails under it.  Unset (the default),
nothing changes."""

from __future__ import annotations

import os
import weakref

import numpy as np

PERTURB_ENV_VAR = "AIGC_COURSE_PERTURB"

# Models already nudged: a second `train` call on the same model, or a resumed
# run, must continue exactly as it would on another machine, not nudge again.
_nudged: weakref.WeakSet = weakref.WeakSet()


def perturbation() -> float:
    """The relative size asked for by ``AIGC_COURSE_PERTURB`` (0.0 when unset)."""
    text = os.environ.get(PERTURB_ENV_VAR, "").strip()
    if not text:
        return 0.0
    try:
        size = float(text)
    except ValueError:
        raise ValueError(
            f"{PERTURB_ENV_VAR} must be a relative size such as 1e-4, got {text!r}"
        ) from None
    if not 0.0 <= size <= 1e-3:
        raise ValueError(
            f"{PERTURB_ENV_VAR} must be in [0, 1e-3] (CI uses 1e-4), got {text!r}"
        )
    return size


def size_for(model) -> float:
    """The size to nudge ``model`` by now: 0.0 when unset or when it was nudged
    before."""
    size = perturbation()
    if size == 0.0 or model in _nudged:
        return 0.0
    _nudged.add(model)
    return size


def nudged(array: np.ndarray) -> np.ndarray:
    """``array`` times ``1 +/- size`` when ``AIGC_COURSE_PERTURB`` is set (for what is
    trained that is not a model's weight, such as the image style transfer optimises);
    else ``array``."""
    size = perturbation()
    return array * factors(np.shape(array), 0, size) if size else array


def factors(shape, index: int, size: float) -> np.ndarray:
    """``1 + size * s`` with signs ``s`` in {-1, +1} fixed by the weight's position
    ``index``."""
    signs = np.random.default_rng(index).integers(0, 2, size=shape) * 2 - 1
    return (1.0 + size * signs).astype(np.float32)


# The perturbed environments the notebook tests must also pass in (.ci/run runs
# them; tests/test_perturbations.py shows that each one changes trained numbers
# in both frameworks, or it would test nothing).
PERTURBATIONS: dict[str, dict[str, str]] = {
    # Other kernels: PyTorch without its vectorised CPU kernels, TensorFlow with
    # oneDNN, and two threads (sums split differently) in both frameworks and BLAS.
    "kernels": {
        "ATEN_CPU_CAPABILITY": "default",
        "TF_ENABLE_ONEDNN_OPTS": "1",
        "AIGC_COURSE_THREADS": "2",
    },
    # Another machine's rounding, emulated: initial weights nudged by a relative
    # 1e-4, about the change another CPU makes to a VAE's loss after 25 epochs.
    "rounding": {PERTURB_ENV_VAR: "1e-4"},
}
