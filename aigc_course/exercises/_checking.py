"""The one flow every exercise checker follows: run the reader's function on several
inputs, then judge.

A checker says what its inputs are (:class:`Case`; some fixed, chosen so that each usual
mistake gives a different answer, and at least one drawn at random on every call, so
that a function that returns a stored answer fails), what the right answer is, and which
mistakes it recognises. :func:`judge` does the rest, the same way for every chapter:

1. run the function on a copy of each input: an exception, ``None`` (a forgotten
   ``return``), or an answer that is not numbers becomes a problem in words; PyTorch
   tensors (also with ``requires_grad``) and TensorFlow tensors are read as NumPy
   arrays;
2. right on every input: passed, after the checker's extra property checks, if any;
3. otherwise the first explanation that fits: a wrong shape, a known mistake that
   reproduces the answer on every input, the same answer for different inputs (a stored
   constant), the checker's own diagnosis, or, last, where the answer differs. In
   grading mode the expected value is not printed
   (:func:`~aigc_course.exercises._feedback.expected`).
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from aigc_course.exercises._feedback import (
    Feedback,
    current_checker,
    expected,
    feedback,
    grading,
    publish,
)

NONE_PROBLEM = "your function returned None: did you forget to return the result?"


def checker(check):
    """Make ``check(answer, show=True) -> Feedback`` an exercise checker.

    The checker's name goes into its :class:`Feedback`, and in grading mode its record
    is published once per call, for ``aigc-course grade`` to collect.
    """

    @functools.wraps(check)
    def run(answer, show: bool = True) -> Feedback:
        token = current_checker.set(check.__name__)
        try:
            result = check(answer, show=show)
        finally:
            current_checker.reset(token)
        if grading():
            publish(result, answer)
        return result

    return run


def fresh_rng() -> np.random.Generator:
    """A generator seeded from the operating system: the random inputs differ on every
    call."""
    return np.random.default_rng()


@dataclass
class Case:
    """One input of a checker: the arguments, words that name it in a message ("" for
    none), and the right answer where the input was made from it (a tone of a chosen
    frequency)."""

    args: tuple
    where: str = ""
    expect: Any = None

    def prefix(self) -> str:
        return f"{self.where}: " if self.where else ""


# --------------------------------------------------------------------------
# Running the reader's function
# --------------------------------------------------------------------------


def to_numpy(out):
    """A PyTorch or TensorFlow tensor as a NumPy array (also one that requires grad);
    anything else unchanged."""
    if hasattr(out, "detach"):  # a PyTorch tensor
        return out.detach().cpu().numpy()
    if hasattr(out, "numpy") and not isinstance(out, np.ndarray):  # a TensorFlow tensor
        return out.numpy()
    if isinstance(out, (list, tuple)) and any(
        hasattr(o, "detach") or hasattr(o, "numpy") for o in out
    ):
        return type(out)(to_numpy(o) for o in out)
    return out


def numbers(
    out, dtype=float, finite: bool = True, nan_hint: str = ""
) -> tuple[Any, str | None]:
    """``(array, None)`` or ``(None, problem)``: the answer as an array of ``dtype``
    (``None``: any)."""
    try:
        array = np.asarray(out) if dtype is None else np.asarray(out, dtype=dtype)
    except (TypeError, ValueError):
        kind = "an array" if dtype is None else "a number or an array of numbers"
        return None, f"your function returned {type(out).__name__}, which is not {kind}"
    if dtype is None and array.dtype == object:
        return (
            None,
            f"your function returned {type(out).__name__}, which is not an array",
        )
    if (
        finite
        and np.issubdtype(array.dtype, np.number)
        and not np.all(np.isfinite(array))
    ):
        return None, "your function returned NaN or infinite values" + nan_hint
    return array, None


def run(
    fn, args: tuple, convert: Callable = numbers, quiet: bool = False
) -> tuple[Any, str | None]:
    """Run the reader's ``fn`` on copies of ``args``; ``(answer, None)`` or ``(None,
    problem)``.

    ``convert(raw_answer) -> (answer, problem)`` reads the answer (:func:`numbers` by
    default); ``quiet`` silences NumPy's floating-point warnings (inputs that are
    extreme on purpose).
    """
    if not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    # Copies: a function that edits its inputs in place must not spoil the next case.
    args = tuple(
        np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args
    )
    try:
        with np.errstate(all="ignore") if quiet else contextlib.nullcontext():
            out = fn(*args)
    except Exception as err:  # the reader's code: report, do not crash the lesson
        return None, f"your function raised {type(err).__name__}: {err}"
    if out is None:
        return None, NONE_PROBLEM
    return convert(to_numpy(out))


def close(a, b, rtol: float, atol: float) -> bool:
    """Same shape and ``np.allclose`` (NaN equal to NaN): the one test of "the same
    answer"."""
    if a is None or b is None:
        return False
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    try:
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    except TypeError:  # not numbers (strings, objects): compare exactly
        return bool(np.all(a == b))


def fmt(value, digits: int = 4, items: int = 6) -> str:
    """A short, rounded rendering of an answer for a message."""
    array = np.asarray(value)

    def one(v):
        if array.dtype.kind in "iu":
            return str(int(v))
        if array.dtype.kind == "f":
            return np.format_float_positional(v, precision=digits, trim="-")
        return repr(v)

    if array.ndim == 0:
        return one(array.item())
    flat = array.ravel()
    shown = ", ".join(one(v) for v in flat[:items].tolist())
    more = ", ..." if flat.size > items else ""
    return (
        f"[{shown}{more}]"
        if array.ndim == 1
        else f"[{shown}{more}] (shape {array.shape})"
    )


# --------------------------------------------------------------------------
# Judging
# --------------------------------------------------------------------------


def _same_everywhere(outs) -> bool:
    """Whether every answer is the same finite value (NaN everywhere is a different
    story, told elsewhere)."""
    first = np.asarray(outs[0])
    if first.dtype.kind in "fc" and not np.all(np.isfinite(first)):
        return False
    return all(
        np.shape(o) == first.shape and np.array_equal(o, first) for o in outs[1:]
    )


def _problems_and_hints(found) -> tuple[list, list]:
    """A checker's own findings: a list of problems, or a pair (problems, hints)."""
    return (
        (list(found[0]), list(found[1]))
        if isinstance(found, tuple)
        else (list(found), [])
    )


def match_mistake(outs, cases, mistakes: dict, same) -> str | None:
    """The first message of ``mistakes`` whose wrong answer (``wrong(*case.args)``)
    equals ``outs`` on every case.

    ``same`` compares two answers, or is a list of such functions, one per case. A
    mistake may return ``None`` on an input where it gives no usable answer; it must
    match on at least one.
    """
    sames = same if isinstance(same, list) else [same] * len(cases)
    for message, wrong in mistakes.items():
        matched = 0
        for out, case, same in zip(outs, cases, sames):
            try:
                with np.errstate(all="ignore"):
                    value = wrong(*case.args)
            except Exception:
                value = None
            if value is None:
                continue
            if not same(out, value):
                break
            matched += 1
        else:
            if matched:
                return message
    return None


def judge(
    name: str,
    fn,
    cases: list[Case],
    reference: Callable | None,
    *,
    same: Callable | None = None,
    tolerance: Callable | None = None,
    convert: Callable = numbers,
    shape: Callable | None = None,
    mistakes: dict | None = None,
    mistake_same: Callable | None = None,
    diagnose: Callable | None = None,
    extra: Callable | None = None,
    hints=(),
    differs_hints=(),
    quiet: bool = False,
    show: bool = True,
) -> Feedback:
    """Run ``fn`` on every case and judge its answers (see the module's docstring).

    Args:
        reference: ``reference(*case.args) -> right answer`` (``None``: each case's
        ``expect``).
        same: ``same(answer, right) -> bool``, the checker's tolerance; or
        tolerance: ``tolerance(case) -> same``, where the tolerance depends on the
        input.
        convert: reads a raw answer, ``-> (answer, problem)`` (:func:`numbers` by
        default).
        shape: ``shape(out, right, case) -> problem or None``, asked on each case whose
            answer has the wrong shape; by default "returned shape X, expected Y".
        mistakes: message -> ``wrong(*case.args)``, known wrong answers.
        mistake_same: the tolerance for recognising a mistake (``same`` by default).
        diagnose: ``diagnose(outs, rights, cases) -> problems`` (a list, or a pair of
            lists: problems and hints) when nothing above explains the difference
            (empty: go on to the generic message).
        extra: ``extra(fn) -> problems`` (as ``diagnose`` returns them), further checks
            once every case is right (an overflow, an edge case).
        hints: shown with every judged problem (not with a crash or a missing answer).
        differs_hints: shown with the generic "differs" message only.
        quiet: silence NumPy's warnings while ``fn`` runs.
    """
    outs = []
    for case in cases:
        out, problem = run(fn, case.args, convert, quiet=quiet)
        if problem:
            where = (
                case.prefix()
                if callable(fn)
                and len(cases) > 1
                and out is None
                and "raised" in problem
                else ""
            )
            return feedback(name, [where + problem], show=show)
        outs.append(out)
    rights = [
        case.expect if reference is None else reference(*case.args) for case in cases
    ]
    sames = [tolerance(case) for case in cases] if tolerance else [same] * len(cases)
    wrong = [i for i, (o, r, s) in enumerate(zip(outs, rights, sames)) if not s(o, r)]
    if not wrong:
        problems, own_hints = _problems_and_hints(extra(fn) if extra else [])
        return feedback(name, problems, own_hints, show=show)
    for i in wrong:
        if np.shape(outs[i]) != np.shape(rights[i]):
            problem = shape(outs[i], rights[i], cases[i]) if shape else None
            problem = (
                problem
                or f"returned shape {np.shape(outs[i])}, expected {np.shape(rights[i])}"
            )
            return feedback(name, [cases[i].prefix() + problem], hints, show=show)
    message = match_mistake(outs, cases, mistakes or {}, mistake_same or sames)
    if message:
        return feedback(name, [message], hints, show=show)
    if len(outs) > 1 and _same_everywhere(outs) and not _same_everywhere(rights):
        return feedback(
            name,
            ["your function returns the same answer whatever its inputs: compute the "
             "answer from the arguments, "
             "do not return a stored value"],
            hints, show=show,
        )  # fmt: skip
    if diagnose:
        problems, own_hints = _problems_and_hints(diagnose(outs, rights, cases))
        if problems:
            return feedback(name, problems, [*hints, *own_hints], show=show)
    i = wrong[0]
    problem = (
        f"{cases[i].prefix()}values differ: yours {fmt(outs[i])}, "
        f"{expected(fmt(rights[i]))}"
    )
    return feedback(name, [problem], [*hints, *differs_hints], show=show)
