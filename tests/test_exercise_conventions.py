"""Every exercise of the book can be assigned, graded and indexed (CONTRIBUTING.md,
"Exercises")."""

import pathlib

import pytest

from aigc_course.instructors import notebooks

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(
    p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)


@pytest.mark.parametrize(
    "path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "book"))
)
def test_exercises_follow_the_conventions(path):
    assert notebooks.problems(notebooks.read_notebook(path)) == []


def test_labels_are_unique_across_the_book():
    seen = {}
    for path in NOTEBOOKS:
        for exercise in notebooks.exercises(notebooks.read_notebook(path)):
            assert exercise.label not in seen, (
                f"{exercise.label} in {path.name} and {seen[exercise.label]}"
            )
            seen[exercise.label] = path.name
    assert len(seen) >= 70


def test_each_chapter_page_has_exercises_and_gan_pages_too():
    without = [
        p.relative_to(ROOT).as_posix()
        for p in NOTEBOOKS
        if p.parent.name != "00_setup"
        and not notebooks.exercises(notebooks.read_notebook(p))
    ]
    assert without == []


def test_the_conventions_are_enforced():
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": ":::{exercise}\n:label: a\n:difficulty: 4\n\nDo it.\n:::",
            },
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "source": "ex.check_x(f)",
            },
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": ":::{exercise}\n:label: "
                "b\n:difficulty: 1\n:minutes: "
                "5\n"
                ":points: 1\n\nCheck it with "
                "`ex.check_y(g)`.\n:::",
            },
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "source": "ex.check_y(ex.reference)",
            },
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": ":::{solution-start} b\n:class: dropdown\n:::",
            },
        ]
    }
    found = notebooks.problems(nb)
    assert "exercise a (cell 0): :difficulty: must be 1, 2 or 3, got '4'" in found
    assert "exercise a (cell 0): :minutes: must be a positive number, got None" in found
    assert (
        "exercise a (cell 0): has no solution (a solution block, or code between "
        "solution-start and solution-end)" in found
    )
    assert any(p.startswith("cell 3: calls check_y outside a solution") for p in found)
    assert "a solution-start has no solution-end" in found
    assert not any("cell 1" in p for p in found)  # check_x grades no exercise here
