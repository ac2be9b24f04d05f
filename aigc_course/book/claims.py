"""Check a trained number against the claim the book makes about it.

A seeded run gives the same numbers every time on one machine, but another CPU,
operating system or thread count rounds differently, and training carries the
difference into every printed digit.  So the notebooks print trained numbers for
the reader and check them with :func:`claim`, whose range states what the prose
says (``"the loss falls below 170 nats"``) with a margin measured across seeds
and machines, instead of comparing the digits.

>>> claim("VAE loss after 25 epochs, nats", 162.1, between=(150, 175))
162.1

When the ``AIGC_COURSE_CLAIMS_LOG`` environment variable names a file, each
claim appends one JSON line there (text, value, range, and ``AIGC_COURSE_NOTEBOOK``
when set), so ``python scripts/notebooks.py spread`` can report how far each
number moves across seeds and perturbed environments.
"""

from __future__ import annotations

import json
import math
import numbers
import os

LOG_ENV_VAR = "AIGC_COURSE_CLAIMS_LOG"
NOTEBOOK_ENV_VAR = "AIGC_COURSE_NOTEBOOK"


class ClaimError(AssertionError):
    """A trained number is outside the range the book claims for it."""


def claim(
    text: str,
    value,
    *,
    between: tuple[float, float] | None = None,
    at_least: float | None = None,
    at_most: float | None = None,
):
    """Raise :class:`ClaimError` unless ``value`` lies in the claimed range; return
    ``value``.

    Args:
        text: what the number is, as the prose says it (it names the failure).
        value: a real number (a Python, NumPy or 0-d framework scalar).
        between: ``(low, high)``, both included.
        at_least, at_most: one-sided bounds; give these or ``between``, not both.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            f"text must be a non-empty string saying what the number is, got {text!r}"
        )
    low, high = _bounds(between, at_least, at_most)
    number = _real(value)
    _record(text, number, low, high)
    if not (math.isfinite(number) and low <= number <= high):
        raise ClaimError(
            f"{text}: expected {_describe(low, high)}, got {number:.6g}. The book's "
            "claim does not "
            "hold on this run; if the code is unchanged, see CONTRIBUTING.md, "
            "'Trained numbers'."
        )
    return value


def _bounds(between, at_least, at_most) -> tuple[float, float]:
    if between is not None:
        if at_least is not None or at_most is not None:
            raise ValueError(
                "give either between=(low, high) or at_least/at_most, not both"
            )
        if not isinstance(between, (tuple, list)) or len(between) != 2:
            raise ValueError(f"between must be a pair (low, high), got {between!r}")
        at_least, at_most = between
    if at_least is None and at_most is None:
        raise ValueError(
            "a claim needs a range: between=(low, high), at_least= or at_most="
        )
    low = -math.inf if at_least is None else _real(at_least, "the lower bound")
    high = math.inf if at_most is None else _real(at_most, "the upper bound")
    if not low <= high:
        raise ValueError(f"the lower bound {low} is above the upper bound {high}")
    return low, high


def _real(value, name: str = "value") -> float:
    if hasattr(value, "item") and not isinstance(value, numbers.Number):
        try:
            value = value.item()  # NumPy, torch and TensorFlow scalars of one element
        except (ValueError, RuntimeError, TypeError) as error:
            raise ValueError(
                f"{name} must be a single real number, got an array of "
                "shape "
                f"{tuple(getattr(value, 'shape', ()))}"
            ) from error
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"{name} must be a real number, got {value!r} ({type(value).__name__})"
        )
    return float(value)


def _describe(low: float, high: float) -> str:
    if low == -math.inf:
        return f"at most {high:g}"
    if high == math.inf:
        return f"at least {low:g}"
    return f"between {low:g} and {high:g}"


def _record(text: str, number: float, low: float, high: float) -> None:
    path = os.environ.get(LOG_ENV_VAR)
    if not path:
        return
    entry = {
        "notebook": os.environ.get(NOTEBOOK_ENV_VAR, ""),
        "claim": text,
        "value": number,
        "low": None if low == -math.inf else low,
        "high": None if high == math.inf else high,
    }
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")
