"""What every checker does with the reader's function: run it safely, then compare its answer.

The checkers share these so that a reader gets the same words for the same
mistake in every chapter ("your function raised ...", "... returned NaN").
Each checker module fixes its own tolerances with ``functools.partial(close, ...)``.
"""

from __future__ import annotations

import contextlib

import numpy as np


def to_numpy(out):
    """A PyTorch or TensorFlow tensor as a NumPy array; anything else unchanged."""
    if hasattr(out, "detach"):  # a PyTorch tensor
        return out.detach().cpu().numpy()
    if hasattr(out, "numpy") and not isinstance(out, np.ndarray):  # a TensorFlow tensor
        return out.numpy()
    return out


def call(fn, *args, dtype=float, finite: bool = True, nan_hint: str = "", quiet: bool = False):
    """Run the reader's ``fn`` on copies of the array ``args``; return ``(array, problem)``, exactly one set.

    Args:
        dtype: what the answer is converted to (``None``: any array, e.g. integers or booleans).
        finite: report NaN or infinite values in the answer as the problem.
        nan_hint: words added to that report, e.g. ": check logs and exponentials".
        quiet: silence NumPy's floating-point warnings while ``fn`` runs (a checker
            that feeds extreme inputs on purpose).
    """
    if not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    # Copies: a function that edits its inputs in place must not spoil the next check.
    args = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    try:
        with np.errstate(all="ignore") if quiet else contextlib.nullcontext():
            out = fn(*args)
    except Exception as err:  # the reader's code: report, do not crash the lesson
        return None, f"your function raised {type(err).__name__}: {err}"
    if dtype is None:
        try:
            return np.asarray(to_numpy(out)), None
        except (TypeError, ValueError):
            return None, f"your function returned {type(out).__name__}, which is not an array"
    try:
        out = np.asarray(to_numpy(out), dtype=dtype)
    except (TypeError, ValueError):
        return None, f"your function returned {type(out).__name__}, which is not a number or an array of numbers"
    if finite and not np.all(np.isfinite(out)):
        return None, "your function returned NaN or infinite values" + nan_hint
    return out, None


def call_each(fn, cases, call=call):
    """``call(fn, *args)`` for each tuple ``args`` in ``cases``; ``(answers, problem)``, stopping at the first problem."""
    outs = []
    for args in cases:
        out, problem = call(fn, *args)
        if problem:
            return None, problem
        outs.append(out)
    return outs, None


def close(a, b, rtol: float, atol: float) -> bool:
    """Same shape and ``np.allclose``: the one test of "the same answer" all checkers use."""
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def first_match(out, candidates: dict, same) -> str | None:
    """The message of the first wrong answer in ``candidates`` (message -> answer) that ``out`` is ``same`` as."""
    for message, wrong in candidates.items():
        if same(out, wrong):
            return message
    return None


def first_match_per_case(outs, candidates: dict, same) -> str | None:
    """As :func:`first_match` over several test inputs: ``outs`` and each candidate hold one answer per input.

    A candidate's ``None`` entries are inputs on which that mistake gives no usable answer.
    """
    for message, wrongs in candidates.items():
        pairs = [(o, w) for o, w in zip(outs, wrongs) if w is not None]
        if pairs and all(same(o, w) for o, w in pairs):
            return message
    return None
