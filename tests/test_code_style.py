"""The code a reader sees fits the page: ruff's formatter and linter pass on the
package, tests, benchmarks, scripts and book extensions (settings in pyproject.toml),
and every notebook's code lines are at most 88 characters, the width the book's code
blocks show without sideways scrolling."""

import importlib.util
import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHECKED = ["aigc_course", "tests", "benchmarks", "scripts", "book/_ext"]
LIMIT = 88
NOTEBOOKS = sorted(
    p
    for p in (ROOT / "book").rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
)


def _ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *CHECKED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_check_passes():
    result = _ruff("check", "--no-cache")
    assert result.returncode == 0, (
        "ruff check found problems (fix them, or `ruff check --fix`):\n"
        + result.stdout[-4000:]
        + result.stderr[-2000:]
    )


def test_ruff_format_leaves_the_code_as_it_is():
    result = _ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, (
        "not formatted (run `ruff format` on these files):\n"
        + result.stdout[-4000:]
        + result.stderr[-2000:]
    )


FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")


def code_lines(cell: dict) -> list[tuple[int, str]]:
    """(line number, line) of the code a reader sees in a cell: all of a code cell,
    and the fenced code blocks (not MyST directives) of a Markdown cell."""
    lines = "".join(cell["source"]).splitlines()
    if cell["cell_type"] == "code":
        return list(enumerate(lines, 1))
    found, open_fences = [], []  # (marker, is a directive), innermost last
    for number, line in enumerate(lines, 1):
        match = FENCE.match(line)
        info = match.group(2).strip() if match else ""
        in_code = bool(open_fences) and not open_fences[-1][1]
        if match and open_fences and match.group(1) == open_fences[-1][0] and not info:
            open_fences.pop()
        elif in_code:
            found.append((number, line))
        elif match:
            open_fences.append((match.group(1), info.startswith("{")))
    return found


def long_code_lines(notebook: dict, limit: int = LIMIT) -> list[tuple[int, int, int]]:
    """(cell index, line number in the cell, length) of every code line over
    ``limit`` characters."""
    return [
        (index, number, len(line))
        for index, cell in enumerate(notebook["cells"])
        for number, line in code_lines(cell)
        if len(line) > limit
    ]


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "book"))
)
def test_notebook_code_lines_fit_the_page(path):
    found = long_code_lines(json.loads(path.read_text(encoding="utf-8")))
    assert not found, (
        f"{path.relative_to(ROOT)}: code lines longer than {LIMIT} characters "
        "(`ruff format` the notebook, then wrap comments and strings by hand):\n"
        + "\n".join(
            f"  cell {c}, line {n}: {length} characters" for c, n, length in found
        )
    )


def test_the_line_rule_finds_a_long_line():
    ok = "x = 1  # " + "a" * (LIMIT - 9)
    prose = "m" * 200
    markdown = f"{prose}\n```python\n{ok}\n{ok}c\n```\n:::{{note}}\n{prose}\n:::\n"
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": [markdown]},
            {"cell_type": "code", "source": [ok + "\n", "y = 2"]},
            {"cell_type": "code", "source": ["z = 3\n", ok + "b"]},
            {
                "cell_type": "markdown",
                "source": [f"```{{literalinclude}} a.py\n```\n{prose}"],
            },
            {
                "cell_type": "markdown",
                "source": [f"````{{tab-item}} x\n```\n{ok}d\n```\n````"],
            },
        ]
    }
    assert len(ok) == LIMIT
    assert long_code_lines(notebook) == [
        (0, 4, LIMIT + 1),
        (2, 2, LIMIT + 1),
        (4, 3, LIMIT + 1),
    ]


def _install_note() -> str:
    spec = importlib.util.spec_from_file_location(
        "notebooks_script", ROOT / "scripts" / "notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.INSTALL_NOTE, module.with_install_note


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "book"))
)
def test_first_cell_says_how_to_install_the_package(path):
    note, _ = _install_note()
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = "".join(cells[0]["source"]) if cells else ""
    assert cells and cells[0]["cell_type"] == "markdown" and note in first, (
        f"{path.relative_to(ROOT)}: the first cell lacks the set-up note; run "
        f"`python scripts/notebooks.py install-note {path.relative_to(ROOT)}`"
    )


def test_the_install_note_is_written_once_and_replaces_an_old_one():
    note, with_note = _install_note()
    title = "# A page (一页)\n\nBy the end of this page you will know."
    once = with_note(title)
    assert once.startswith("# A page (一页)\n\n" + note + "\n")
    assert once.endswith("By the end of this page you will know.")
    assert with_note(once) == once
    older = "# A page\n\n> **To run this notebook** an older text\n> that spans\n\nBody"
    assert with_note(older) == "# A page\n\n" + note + "\nBody"
    assert with_note("# Only a title") == "# Only a title\n\n" + note
