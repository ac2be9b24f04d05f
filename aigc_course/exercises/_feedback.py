"""The answer an exercise checker gives."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Feedback:
    """Result of checking one exercise: ``passed`` plus every problem found, in words."""

    exercise: str
    problems: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

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

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython shows the words, not the dataclass
        printer.text(str(self))


def feedback(exercise: str, problems, hints=(), show: bool = True) -> Feedback:
    """Build a :class:`Feedback`, print it when ``show`` (the notebook use), and return it."""
    result = Feedback(exercise, [p for p in problems if p], list(hints) if problems else [])
    if show:
        print(result)
    return result
