"""The exercises and solutions of a notebook, read from the book's sphinx-exercise
syntax.

The book marks exercises and solutions one way only, the way its pages render them::

    :::{exercise}                        a Markdown cell
    :label: math-ex-jsd                  stable name: links, grading, the index
    :difficulty: 2                       1 to 3, shown as stars
    :minutes: 15                         estimated time for a reader
    :points: 2                           what `aigc-course grade` awards for a pass
    Write `js_divergence(p, q)` ...
    Check it with `ex.check_js_divergence(js_divergence)`.
    :::

    :::{solution-start} math-ex-jsd      a Markdown cell: a gated solution starts
    :class: dropdown
    :::
    <code cells: the worked answer, ending with the checker call>
    :::{solution-end}                    a Markdown cell (explanation may come first)
    :::

or, for an answer in words, a ``:::{solution} LABEL`` block in a Markdown cell. The
code cells between ``solution-start`` and ``solution-end`` are the solution code; the
``check_...`` functions that the exercise's text or its solution code call are its
checkers.
"""

from __future__ import annotations

import ast
import json
import pathlib
import re
from dataclasses import dataclass, field

# A MyST colon fence: ``:::{name} argument``, closed by a line of at least as many
# colons.
_OPEN = re.compile(r"^(?P<fence>:{3,})\{(?P<name>[\w-]+)\}[ \t]*(?P<arg>.*?)[ \t]*$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")
_CHECK_NAME = re.compile(r"\b(check_\w+)")
_CHECK_CALL = re.compile(r"\b(check_\w+)\s*\(")

# : The options an exercise carries besides sphinx-exercise's own (see
# ``book/_ext/exercise_labels.py``).
EXERCISE_OPTIONS = ("difficulty", "minutes", "points")
DIFFICULTIES = (1, 2, 3)


@dataclass
class Directive:
    """One top-level colon-fence block of a Markdown text."""

    name: str
    argument: str
    options: dict[str, str]
    body: str
    raw: str


@dataclass
class Exercise:
    """An exercise of a notebook, with what grading and the index need to know about
    it."""

    label: str
    cell: int
    text: str
    options: dict[str, str] = field(default_factory=dict)
    checkers: list[str] = field(default_factory=list)
    solution: str = ""  # "gated" (code cells), "text" (a solution block), or "" (none)

    @property
    def points(self) -> float | None:
        return _number(self.options.get("points"))

    @property
    def difficulty(self) -> int | None:
        value = _number(self.options.get("difficulty"))
        return int(value) if value is not None and value == int(value) else None

    @property
    def minutes(self) -> float | None:
        return _number(self.options.get("minutes"))

    @property
    def auto_graded(self) -> bool:
        """Whether a checker judges it (otherwise it is marked by hand, with its
        rubric)."""
        return bool(self.checkers)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number == int(number) else number


def checker_calls(text: str) -> list[str]:
    """The names of the checkers that ``text`` calls (``ex.check_x(...)``), in order,
    once each."""
    return list(dict.fromkeys(_CHECK_CALL.findall(text)))


def cell_source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def split_markdown(text: str) -> list[str | Directive]:
    """``text`` as a list of plain text pieces and top-level :class:`Directive` blocks,
    in order.

    Joining the pieces (``raw`` for a directive) gives ``text`` back.
    """
    lines = text.splitlines(keepends=True)
    pieces: list[str | Directive] = []
    plain: list[str] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i].rstrip("\n"))
        if not match:
            plain.append(lines[i])
            i += 1
            continue
        closing = re.compile(rf"^:{{{len(match['fence'])},}}[ \t]*$")
        end = next(
            (
                j
                for j in range(i + 1, len(lines))
                if closing.match(lines[j].rstrip("\n"))
            ),
            len(lines) - 1,
        )
        block = lines[i : end + 1]
        options, k = {}, 1
        while k < len(block) - 1 and (option := _OPTION.match(block[k].rstrip("\n"))):
            options[option["key"]] = option["value"]
            k += 1
        if plain:
            pieces.append("".join(plain))
            plain = []
        body = "".join(block[k:-1]) if end > i else ""
        pieces.append(
            Directive(match["name"], match["arg"], options, body, "".join(block))
        )
        i = end + 1
    if plain:
        pieces.append("".join(plain))
    return pieces


def read_notebook(path) -> dict:
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def write_notebook(nb: dict, path) -> None:
    """Write ``nb`` as the book stores its notebooks (one-space indent, UTF-8, final
    newline)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def walk(nb: dict):
    """Yield ``(index, cell, pieces, gated_label)`` for each cell.

    ``pieces`` is :func:`split_markdown` of a Markdown cell (``None`` for a code cell),
    and ``gated_label`` the label of the gated solution the cell starts inside (``None``
    outside one).
    """
    gated = None
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            yield index, cell, None, gated
            continue
        pieces = split_markdown(cell_source(cell))
        yield index, cell, pieces, gated
        for piece in pieces:
            if isinstance(piece, Directive) and piece.name == "solution-start":
                gated = piece.argument
            elif isinstance(piece, Directive) and piece.name == "solution-end":
                gated = None


def exercises(nb: dict) -> list[Exercise]:
    """The exercises of ``nb`` in order, with their options, checkers and kind of
    solution."""
    found: dict[str, Exercise] = {}
    for index, cell, pieces, gated in walk(nb):
        if pieces is None:
            if gated in found:
                own = found[gated].checkers
                own += [
                    name for name in checker_calls(cell_source(cell)) if name not in own
                ]
            continue
        for piece in pieces:
            if not isinstance(piece, Directive):
                continue
            if piece.name in ("exercise", "exercise-start"):
                label = piece.options.get("label", "")
                options = {k: v for k, v in piece.options.items() if k != "label"}
                found[label] = Exercise(
                    label, index, piece.body, options, checker_calls(piece.body)
                )
            elif (
                piece.name in ("solution", "solution-start") and piece.argument in found
            ):
                found[piece.argument].solution = (
                    "gated" if piece.name == "solution-start" else "text"
                )
    return list(found.values())


def problems(nb: dict) -> list[str]:
    """What stops ``nb``'s exercises from being assigned, graded or indexed, in words
    (empty: none)."""
    found = []
    labels = set()
    listed = exercises(nb)
    for exercise in listed:
        where = f"exercise {exercise.label or '(no label)'} (cell {exercise.cell})"
        if not exercise.label:
            found.append(f"{where}: has no :label:")
        if exercise.label in labels:
            found.append(f"{where}: the label is used twice")
        labels.add(exercise.label)
        if exercise.difficulty not in DIFFICULTIES:
            found.append(
                f"{where}: :difficulty: must be 1, 2 or 3, got "
                f"{exercise.options.get('difficulty')!r}"
            )
        if exercise.minutes is None or exercise.minutes <= 0:
            found.append(
                f"{where}: :minutes: must be a positive number, got "
                f"{exercise.options.get('minutes')!r}"
            )
        if exercise.points is None or exercise.points <= 0:
            found.append(
                f"{where}: :points: must be a positive number, got "
                f"{exercise.options.get('points')!r}"
            )
        if not exercise.solution:
            found.append(
                f"{where}: has no solution (a solution block, or code "
                "between solution-start and solution-end)"
            )
    depth = 0
    graded = {name for e in listed for name in e.checkers}
    for index, cell, pieces, gated in walk(nb):
        for piece in pieces or []:
            if (
                isinstance(piece, Directive)
                and piece.name in ("solution", "solution-start")
                and piece.argument not in labels
            ):
                found.append(
                    f"cell {index}: solution for {piece.argument!r}, which "
                    "is no exercise of this notebook"
                )
            if isinstance(piece, Directive) and piece.name == "solution-start":
                depth += 1
            if isinstance(piece, Directive) and piece.name == "solution-end":
                depth -= 1
            if depth not in (0, 1):
                found.append(
                    f"cell {index}: solution-start and solution-end do not pair up"
                )
                depth = max(0, min(depth, 1))
        outside = (
            [n for n in checker_calls(cell_source(cell)) if n in graded]
            if pieces is None and gated is None
            else []
        )
        if outside:
            found.append(
                f"cell {index}: calls {outside[0]} outside a solution; an exercise is "
                "graded by it, "
                "so the student edition would show how to pass it"
            )
    if depth:
        found.append("a solution-start has no solution-end")
    return found


# --------------------------------------------------------------------------
# The student's version of a solution code cell
# --------------------------------------------------------------------------


def _checker_calls(node: ast.AST) -> list[ast.Call]:
    return [
        sub
        for sub in ast.walk(node)
        if isinstance(sub, ast.Call)
        and _CHECK_NAME.fullmatch(_call_name(sub.func) or "")
    ]


def _checks_own_answer(node: ast.AST, defined: set[str]) -> bool:
    """Whether ``node`` calls checkers, each on a name the cell defines (the student's
    answer).

    A checker called on anything else (the package's reference, a deliberately wrong
    lambda) belongs to the worked answer.
    """
    calls = _checker_calls(node)
    return bool(calls) and all(
        c.args and isinstance(c.args[0], ast.Name) and c.args[0].id in defined
        for c in calls
    )


def _call_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _checked_names(tree: ast.AST) -> set[str]:
    """Names passed as the answer (first argument) to a checker."""
    names = set()
    for sub in ast.walk(tree):
        if (
            isinstance(sub, ast.Call)
            and _CHECK_NAME.fullmatch(_call_name(sub.func) or "")
            and sub.args
        ):
            if isinstance(sub.args[0], ast.Name):
                names.add(sub.args[0].id)
    return names


def student_code(source: str, label: str) -> str:
    """The code a student starts from: imports and checker calls kept, functions
    stubbed, the rest removed.

    Each top-level function keeps its signature and docstring; its body raises
    ``NotImplementedError`` naming the exercise. A value passed to a checker (a dict of
    answers, a list) becomes ``None``. Checker calls on those names stay; everything
    else in the cell is part of the worked answer.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return f"# Exercise {label}: your code here\n"
    lines = source.splitlines()
    checked = _checked_names(tree)
    defined = {
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for n in tree.body:
        if isinstance(n, (ast.Assign, ast.AnnAssign)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            defined |= {
                t.id
                for t in targets
                if isinstance(t, ast.Name) and t.id in checked and not _checker_calls(n)
            }
    # (first line of the statement, its new lines)
    blocks: list[tuple[int, list[str]]] = []
    for node in tree.body:
        first = min(
            [node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]
        )
        segment = lines[first - 1 : node.end_lineno]
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            blocks.append((first, segment))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            keep_until = body[0].lineno - 1
            docstring = (
                isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            )
            header = lines[first - 1 : keep_until]
            while header and (
                not header[-1].strip() or header[-1].strip().startswith("#")
            ):
                header.pop()  # a comment under the signature explains the answer
            indent = " " * body[0].col_offset
            if docstring:
                header += lines[body[0].lineno - 1 : body[0].end_lineno]
            blocks.append(
                (
                    first,
                    header
                    + [
                        f"{indent}raise "
                        f'NotImplementedError("exercise {label}: '
                        f'write {node.name}")'
                    ],
                )
            )
        elif _checks_own_answer(node, defined):
            blocks.append((first, segment))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [
                t.id for t in targets if isinstance(t, ast.Name) and t.id in checked
            ]
            if names:
                blocks.append(
                    (first, [f"{names[0]} = None  # exercise {label}: your answer"])
                )
    if not blocks:
        return f"# Exercise {label}: your code here\n"
    out: list[str] = []
    for first, block in blocks:
        if out:
            blank = 0
            while first - 2 - blank >= 0 and not lines[first - 2 - blank].strip():
                blank += 1
            out += [""] * min(
                max(
                    blank, 1 if block[0].startswith(("def ", "async def ", "@")) else 0
                ),
                2,
            )
        out += block
    return "\n".join(out) + "\n"


def solution_text(nb: dict) -> list[str]:
    """The text of every solution of ``nb``: solution blocks, and the Markdown and code
    of gated solutions."""
    found = []
    for index, cell, pieces, gated in walk(nb):
        if pieces is None:
            if gated is not None:
                found.append(cell_source(cell))
                found += [
                    "".join(o.get("text", ""))
                    for o in cell.get("outputs", [])
                    if o.get("output_type") == "stream"
                ]
            continue
        inside = gated is not None
        for piece in pieces:
            directive = isinstance(piece, Directive)
            if directive and piece.name == "solution":
                found.append(piece.body)
            elif directive and piece.name == "solution-start":
                inside = True
            elif directive and piece.name == "solution-end":
                inside = False
            elif inside and not directive:
                found.append(piece)
    return found
