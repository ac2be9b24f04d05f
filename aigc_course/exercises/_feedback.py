"""The answer an exercise checker gives, and what it reports while a notebook is graded.

In grading mode (``AIGC_COURSE_GRADING=1``, set by ``aigc-course grade``) every checker
also publishes a machine-readable record of its result (MIME type :data:`RECORD_MIME`)
that the grader collects from the executed notebook, and its words hold no expected
value and no
hint: they end up in feedback that students read, and must not hand them the answer.
"""

from __future__ import annotations

import contextvars
import json
import os
from dataclasses import dataclass, field

GRADING_ENV_VAR = "AIGC_COURSE_GRADING"
RECORD_MIME = "application/vnd.aigc-course.check+json"

# The checker running now (set by ``_checking.checker``): its name goes into the record,
# so that the grader can tell which exercise a result belongs to.
current_checker: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_checker", default=""
)


def grading() -> bool:
    """Whether checkers run under ``aigc-course grade`` (``AIGC_COURSE_GRADING=1``)."""
    value = os.environ.get(GRADING_ENV_VAR, "")
    if value not in ("", "0", "1"):
        raise ValueError(
            f"{GRADING_ENV_VAR} must be 1 (grading) or 0/unset, got {value!r}"
        )
    return value == "1"


def expected(value) -> str:
    """``"expected VALUE"`` for a reader; in grading mode words that do not give the
    value away."""
    return "which is not the expected value" if grading() else f"expected {value}"


@dataclass
class Feedback:
    """Result of checking one exercise: ``passed`` plus every problem found, in
    words."""

    exercise: str
    problems: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    checker: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            return f"{self.exercise}: correct."
        lines = [f"{self.exercise}: not yet. {len(self.problems)} problem(s):"]
        lines += [f"  - {p}" for p in self.problems]
        lines += [f"  hint: {h}" for h in self.hints]
        return "\n".join(lines)

    def record(self, answer=None) -> dict:
        """What the grader collects: which checker, whether it passed, the problems in
        words, and the module the checked function comes from (the grader gives no
        points for the package's own)."""
        return {
            "checker": self.checker,
            "exercise": self.exercise,
            "passed": self.passed,
            "problems": list(self.problems),
            "answer_module": getattr(answer, "__module__", None)
            if callable(answer)
            else None,
        }

    # IPython shows the words, not the dataclass
    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def publish(result: Feedback, answer=None) -> None:
    """Hand ``result``'s record to the grader: a display output of the notebook cell
    that ran the checker.

    Outside IPython (a script), the record is printed as one JSON line after
    ``RECORD_MIME``.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(RECORD_MIME, json.dumps(result.record(answer)))
        return
    display(
        {
            RECORD_MIME: result.record(answer),
            "text/plain": f"[graded: {result.checker}]",
        },
        raw=True,
    )


def feedback(exercise: str, problems, hints=(), show: bool = True) -> Feedback:
    """Build a :class:`Feedback`, print it when ``show`` (the notebook use), and return
    it.

    In grading mode the hints are left out (they spell out the answer).
    """
    problems = [p for p in problems if p]
    keep_hints = problems and not grading()
    result = Feedback(
        exercise, problems, list(hints) if keep_hints else [], current_checker.get()
    )
    if show:
        print(result)
    return result
