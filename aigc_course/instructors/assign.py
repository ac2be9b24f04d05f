"""``aigc-course assign``: the student edition and the answer key of notebooks.

The student edition of a notebook is the notebook without its solutions: solution blocks
and the Markdown of gated solutions are removed, and each code cell of a gated solution
is replaced by a stub (see :func:`~aigc_course.instructors.notebooks.student_code`) with
its outputs cleared, so that the checker call stays and tells the student whether the
answer is right. Everything else, outputs included, is kept. The answer key is the
notebook as the book stores it.
"""

from __future__ import annotations

import copy
import pathlib
import re

from aigc_course.instructors import notebooks
from aigc_course.instructors.notebooks import Directive

__all__ = ["assign", "expand", "find_notebooks", "student_edition", "student_markdown"]


def student_markdown(text: str, inside: bool) -> tuple[str, bool]:
    """``text`` (a Markdown cell) without solutions; ``inside``: whether it starts
    inside a gated solution.

    Returns the new text and whether it ends inside a gated solution.
    """
    kept = []
    for piece in notebooks.split_markdown(text):
        directive = isinstance(piece, Directive)
        if inside:
            if directive and piece.name == "solution-end":
                inside = False
            continue  # the gated solution's own Markdown: explanation, the end marker
        if directive and piece.name == "solution-start":
            inside = True
        elif not (directive and piece.name == "solution"):
            kept.append(piece.raw if directive else piece)
    new = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip("\n")
    return new, inside


def student_edition(nb: dict) -> dict:
    """A copy of ``nb`` with every solution removed and every gated solution's code
    replaced by a stub."""
    nb = copy.deepcopy(nb)
    cells, inside, label, stubbed = [], False, None, False
    for cell in nb.get("cells", []):
        source = notebooks.cell_source(cell)
        if cell.get("cell_type") == "markdown":
            for piece in notebooks.split_markdown(source):
                if isinstance(piece, Directive) and piece.name == "solution-start":
                    label, stubbed = piece.argument, False
            was_inside = inside
            text, inside = student_markdown(source, inside)
            if was_inside and not inside and not stubbed:
                cells.append(_code_cell(f"# Exercise {label}: your code here\n"))
            if text.strip():
                cell["source"] = _lines(text)
                cells.append(cell)
            continue
        if not inside:
            cells.append(cell)
            continue
        stub = notebooks.student_code(source, label)
        if stub.startswith("# Exercise ") and stubbed:
            continue  # one empty answer cell per exercise is enough
        cell.update(source=_lines(stub), outputs=[], execution_count=None)
        cells.append(cell)
        stubbed = True
    nb["cells"] = cells
    return nb


def _code_cell(source: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": _lines(source),
    }


def _lines(text: str) -> list[str]:
    """Cell source as the book stores it: a list of lines, the last without its
    newline."""
    return text.rstrip("\n").splitlines(keepends=True)


def expand(paths) -> list[tuple[pathlib.Path, pathlib.Path]]:
    """``(notebook, path relative to what was given)`` for each notebook in ``paths``
    (notebooks or folders).

    A folder keeps its name and layout (``book/04_math`` gives ``04_math/...``); a
    notebook is known by its file name.
    """
    found = []
    for name in paths:
        path = pathlib.Path(name)
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
            )
            if not inside:
                raise ValueError(
                    f"PATH {str(path)!r} is a folder with no notebook in it"
                )
            found += [(p, path.name / p.relative_to(path)) for p in inside]
        elif path.suffix == ".ipynb" and path.is_file():
            found.append((path, pathlib.Path(path.name)))
        else:
            raise ValueError(
                f"PATH {str(path)!r} must be a notebook (.ipynb) or a "
                "folder of notebooks"
            )
    return found


def find_notebooks(paths) -> list[tuple[pathlib.Path, pathlib.Path]]:
    """:func:`expand`, refusing two notebooks that would be written to the same
    place."""
    found = expand(paths)
    targets = [target for _, target in found]
    twice = sorted({str(t) for t in targets if targets.count(t) > 1})
    if twice:
        raise ValueError(
            "two notebooks would be written to the same place: "
            f"{twice[0]}; pass their folders instead"
        )
    return found


def assign(paths, out, log=print) -> list[pathlib.Path]:
    """Write ``out/student/...`` and ``out/key/...`` for every notebook in ``paths``;
    return the student files.

    ``log`` receives one line per notebook and one per problem found in its exercises.
    """
    out = pathlib.Path(out)
    written = []
    for source, target in find_notebooks(paths):
        nb = notebooks.read_notebook(source)
        notebooks.write_notebook(nb, out / "key" / target)
        notebooks.write_notebook(student_edition(nb), out / "student" / target)
        written.append(out / "student" / target)
        found = notebooks.exercises(nb)
        graded = [e for e in found if e.auto_graded]
        log(f"{target}: {len(found)} exercise(s), {len(graded)} checked by code")
        for problem in notebooks.problems(nb):
            log(f"  warning: {problem}")
    return written
