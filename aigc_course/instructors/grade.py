"""``aigc-course grade``: execute submitted notebooks and score their exercises.

Each notebook runs in a fresh Jupyter kernel, in an empty temporary folder, with
Python's network access switched off (:mod:`~aigc_course.instructors._offline`), under a
time limit for the whole notebook, and with ``AIGC_COURSE_GRADING=1``, which makes every
exercise checker publish a record of its result. A cell that raises does not stop the
run; a cell still running when the time is up is stopped and the kernel killed. Then
each exercise gets its points when every checker it names passed at least once, and 0
otherwise; exercises without a checker are listed for marking by hand.

Grading runs the students' code with the grader's rights: the instructor guide
(``book/appendix/instructors.md``) says how to confine it further.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import warnings

from aigc_course.exercises._feedback import GRADING_ENV_VAR, RECORD_MIME
from aigc_course.instructors import notebooks

__all__ = ["Row", "grade", "grade_notebook", "summary_table", "write_csv"]

CSV_FIELDS = ("notebook", "exercise", "points", "max_points", "status", "feedback")
DEFAULT_TIMEOUT = 600.0
# Libraries that would otherwise try the network first (Hugging Face), and a headless
# plot backend.
_KERNEL_ENV = {
    GRADING_ENV_VAR: "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "MPLBACKEND": "Agg",
}


@dataclasses.dataclass
class Row:
    """One exercise of one notebook: what the CSV file holds."""

    notebook: str
    exercise: str
    points: float | None
    max_points: float | None
    status: str  # passed, failed, time-out, not run, manual
    feedback: str


@dataclasses.dataclass
class Run:
    """How executing one notebook went."""

    status: str = "completed"  # completed, time-out, kernel died, not executed
    seconds: float = 0.0
    first_error: str = ""
    records: list[dict] = dataclasses.field(default_factory=list)


def execute(nb: dict, timeout: float, kernel_name: str = "python3") -> Run:
    """Execute ``nb`` (changed in place) in a fresh kernel in a temporary folder; never
    raises for the notebook's sake."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    # a notebook saved by an older Jupyter has no cell ids; it still runs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # also joins list-of-lines sources
        node = nbformat.reads(json.dumps(nb), as_version=4)
    run = Run()
    deadline = None

    def remaining(cell) -> float:
        nonlocal deadline
        # the clock starts with the first cell, after the kernel is up
        if deadline is None:
            deadline = time.monotonic() + timeout
        return max(deadline - time.monotonic(), 0.01)

    with tempfile.TemporaryDirectory(prefix="aigc-course-grade-") as workdir:
        env = {**os.environ, **_KERNEL_ENV}
        env.pop("PYTHONSTARTUP", None)
        client = NotebookClient(
            node,
            kernel_name=kernel_name,
            timeout_func=remaining,
            allow_errors=True,
            # a loop that ignores interrupts would otherwise hold the grader
            interrupt_on_timeout=False,
            shutdown_kernel="immediate",
            startup_timeout=120,
            record_timing=False,
            extra_arguments=[
                "--IPKernelApp.exec_lines=import "
                "aigc_course.instructors._offline as o; o.install(); del "
                "o"
            ],
            resources={"metadata": {"path": workdir}},
        )
        start = time.monotonic()
        try:
            # The kernel's own log (not the notebook's output) would only clutter the
            # grader's.
            client.execute(env=env, cwd=workdir, stderr=subprocess.DEVNULL)
        except CellTimeoutError:
            run.status = "time-out"
        except DeadKernelError:
            run.status = "kernel died"
        # kernel failed to start, and the like: report it with the rows
        except Exception as err:
            run.status = f"not executed ({type(err).__name__}: {err})"
        run.seconds = time.monotonic() - start
    for index, cell in enumerate(node.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output.get("output_type") == "display_data" and RECORD_MIME in data:
                record = data[RECORD_MIME]
                if isinstance(record, dict):
                    run.records.append(dict(record))
            if output.get("output_type") == "error" and not run.first_error:
                run.first_error = (
                    f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
                )
    nb.clear()
    nb.update(nbformat.from_dict(node))
    return run


def _from_package(record: dict) -> bool:
    return str(record.get("answer_module") or "").split(".")[0] == "aigc_course"


def _counts(record: dict) -> bool:
    """A passing check of the student's own function (checking the package's reference
    earns nothing)."""
    return record.get("passed") is True and not _from_package(record)


def score(
    exercises: list[notebooks.Exercise], run: Run, name: str, timeout: float
) -> list[Row]:
    """One row per exercise of a notebook, from the records its run published."""
    rows = []
    for exercise in exercises:
        if not exercise.auto_graded:
            rows.append(
                Row(
                    name,
                    exercise.label,
                    None,
                    exercise.points,
                    "manual",
                    "no checker: mark it by hand with its solution or rubric",
                )
            )
            continue
        results = {
            checker: [r for r in run.records if r.get("checker") == checker]
            for checker in exercise.checkers
        }
        failing = [
            checker
            for checker, found in results.items()
            if not any(_counts(r) for r in found)
        ]
        if not failing:
            rows.append(
                Row(
                    name,
                    exercise.label,
                    exercise.points,
                    exercise.points,
                    "passed",
                    "correct",
                )
            )
            continue
        checker = failing[0]
        if results[checker] and all(_from_package(r) for r in results[checker]):
            rows.append(Row(name, exercise.label, 0, exercise.points, "failed",
                            f"{checker}(...) only checked the package's own reference "
                            "function, not an answer"))  # fmt: skip
        elif results[checker]:
            problems = [r for r in results[checker] if not _from_package(r)][-1].get(
                "problems"
            ) or ["not passed"]
            rows.append(
                Row(
                    name,
                    exercise.label,
                    0,
                    exercise.points,
                    "failed",
                    "; ".join(str(p) for p in problems),
                )
            )
        elif run.status == "time-out":
            rows.append(Row(name, exercise.label, 0, exercise.points, "time-out",
                            f"the notebook ran out of its {timeout:g} s before "
                            f"{checker}(...) ran"))  # fmt: skip
        else:
            why = f" (first error: {run.first_error})" if run.first_error else ""
            if run.status != "completed":
                why = f" ({run.status})"
            rows.append(
                Row(
                    name,
                    exercise.label,
                    0,
                    exercise.points,
                    "not run",
                    f"{checker}(...) never ran{why}",
                )
            )
    return rows


def grade_notebook(
    path, timeout: float = DEFAULT_TIMEOUT, source=None, kernel_name: str = "python3"
) -> tuple[list[Row], Run]:
    """Grade one submitted notebook; exercises and points come from ``source`` (a
    notebook) when given."""
    path = pathlib.Path(path)
    name = str(path)
    try:
        nb = notebooks.read_notebook(path)
    except (OSError, ValueError) as err:
        run = Run(status=f"not executed (cannot read it: {err})")
        reference = notebooks.read_notebook(source) if source else {"cells": []}
        return score(notebooks.exercises(reference), run, name, timeout), run
    reference = notebooks.read_notebook(source) if source else nb
    exercises = notebooks.exercises(reference)
    run = (
        execute(nb, timeout, kernel_name)
        if any(e.auto_graded for e in exercises)
        else Run(status="nothing to run")
    )
    return score(exercises, run, name, timeout), run


def _sources(paths) -> dict[str, pathlib.Path]:
    """Source notebooks by file name, from notebooks and folders."""
    found = {}
    for source, _ in _find(paths):
        if source.name in found:
            raise ValueError(
                f"--source holds two notebooks named {source.name}; pass "
                "one chapter folder at a time"
            )
        found[source.name] = source
    return found


def _find(paths):
    from aigc_course.instructors.assign import expand

    return expand(paths)


def grade(paths, timeout: float = DEFAULT_TIMEOUT, source=None, log=print) -> list[Row]:
    """Grade every notebook in ``paths``, one after the other; ``log`` receives a line
    per notebook.

    ``source``: notebooks or folders holding the assigned notebooks (the key or the
    student edition), matched to the submissions by file name; their exercises and
    points are used instead of what the submissions say, which a student could have
    edited.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    submissions = [path for path, _ in _find(paths)]
    by_name = _sources(source) if source else {}
    rows = []
    for path in submissions:
        if by_name and path.name not in by_name:
            raise ValueError(
                f"no notebook named {path.name} in --source; rename the "
                "submission or add its source"
            )
        found, run = grade_notebook(path, timeout, by_name.get(path.name))
        rows += found
        auto = [r for r in found if r.status != "manual"]
        got = sum(r.points or 0 for r in auto)
        top = sum(r.max_points or 0 for r in auto)
        error = f"; first error {run.first_error}" if run.first_error else ""
        log(
            f"graded {path}: {got:g}/{top:g} points, {run.status} in "
            f"{run.seconds:.1f} s{error}"
        )
    return rows


def write_csv(rows: list[Row], handle) -> None:
    """Write ``rows`` to the open text file ``handle``, a header first; no points: an
    empty field."""
    writer = csv.writer(handle)
    writer.writerow(CSV_FIELDS)
    for row in rows:
        writer.writerow(
            [
                "" if v is None else (f"{v:g}" if isinstance(v, (int, float)) else v)
                for v in dataclasses.astuple(row)
            ]
        )


def summary_table(rows: list[Row]) -> str:
    """Per notebook: points of the checked exercises, how many passed, and how many to
    mark by hand."""
    lines = [f"{'notebook':<50} {'points':>10} {'passed':>8} {'by hand':>8}"]
    for name in dict.fromkeys(r.notebook for r in rows):
        mine = [r for r in rows if r.notebook == name]
        auto = [r for r in mine if r.status != "manual"]
        got = sum(r.points or 0 for r in auto)
        points = f"{got:g}/{sum(r.max_points or 0 for r in auto):g}"
        passed = f"{sum(r.status == 'passed' for r in auto)}/{len(auto)}"
        shown = name if len(name) <= 50 else "..." + name[-47:]
        lines.append(f"{shown:<50} {points:>10} {passed:>8} {len(mine) - len(auto):>8}")
    return "\n".join(lines)


def main(paths, timeout: float = DEFAULT_TIMEOUT, out=None, source=None) -> int:
    """The ``aigc-course grade`` command: grade, write the CSV file, print the
    summary."""
    rows = grade(
        paths,
        timeout=timeout,
        source=source,
        log=lambda line: print(line, file=sys.stderr),
    )
    if out:
        with open(out, "w", newline="", encoding="utf-8") as handle:
            write_csv(rows, handle)
        print(f"wrote {len(rows)} row(s) to {out}", file=sys.stderr)
    else:
        write_csv(rows, sys.stdout)
    print(summary_table(rows), file=sys.stderr)
    return 0
