"""The book's exercise extension (book/_ext/course_exercises.py) on a small Sphinx
project.

Gated solutions build with and without ``hide_solutions`` (sphinx-exercise 1.2.1 alone
crashes on the second), and the student edition leaves no solution in the pages, in the
downloadable sources or in a zip archive of the course written next to the pages. The
whole book's student edition is checked by ``.ci/run`` with
``tests/student_check.py``.
"""

import html
import importlib.util
import os
import pathlib
import re
import subprocess
import sys
import zipfile

import pytest

from aigc_course.instructors import notebooks

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECRETS = (
    "SECRET_SOLUTION_CODE",
    "SECRET_OUTPUT",
    "SECRET_EXPLANATION",
    "SECRET_WORDS",
)

CONF = f"""
import pathlib, sys, zipfile
sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
extensions = ["myst_nb", "sphinx_exercise", "course_exercises"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
nb_execution_mode = "off"
exclude_patterns = ["_build"]
suppress_warnings = ["mystnb.unknown_mime_type"]


# As book/_ext/take_home.py does: the sources, zipped next to the pages.
def _archive(app, exception):
    with zipfile.ZipFile(pathlib.Path(app.outdir) / "course.zip", "w") as archive:
        archive.write(pathlib.Path(app.srcdir) / "index.ipynb", "course/index.ipynb")
        # the Chinese catalogs translate the solutions' words too
        archive.writestr("course/locale/zh_CN/LC_MESSAGES/index.po", "SECRET_WORDS")


def setup(app):
    app.connect("build-finished", _archive)
"""


def _cell(kind, text, output=None):
    cell = {
        "cell_type": kind,
        "id": f"c{abs(hash(text)) % 10**8}",
        "metadata": {},
        "source": text,
    }
    if kind == "code":
        cell.update(
            execution_count=1,
            outputs=[{"name": "stdout", "output_type": "stream", "text": output or ""}],
        )
    return cell


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("book")
    (root / "conf.py").write_text(CONF)
    cells = [
        _cell("markdown", "# Page\n\n```{toctree}\nexercises\n```"),
        _cell(
            "markdown",
            ":::{exercise}\n:label: ex-one\n:difficulty: 2\n:minutes: "
            "10\n:points: 3\n\n"
            "Write `f`. Check it with `ex.check_f(f)`.\n:::",
        ),
        _cell("markdown", ":::{solution-start} ex-one\n:class: dropdown\n:::"),
        _cell(
            "code",
            "def f(x):\n    return SECRET_SOLUTION_CODE\n\n\nresult = ex.check_f(f)",
            "SECRET_OUTPUT\n",
        ),
        _cell(
            "markdown",
            "SECRET_EXPLANATION\n:::{solution-end}\n:::\n\n:::{exercise}\n:label: "
            "ex-two\n:difficulty: 1\n"
            ":minutes: 5\n:points: 1\n\nSay why.\n:::\n\n:::{solution} "
            "ex-two\n:class: dropdown\n\nSECRET_WORDS\n:::",
        ),
    ]
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    notebooks.write_notebook(nb, root / "index.ipynb")
    (root / "exercises.md").write_text("# All exercises\n\n```{exercise-index}\n```\n")
    return root


def build(project, out, *options, edition=""):
    env = {**os.environ, "AIGC_COURSE_EDITION": edition}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "-q",
            *options,
            str(project),
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    files = {
        p.relative_to(out).as_posix(): p.read_text(errors="replace")
        for p in out.rglob("*")
        if p.is_file() and p.suffix in (".html", ".txt", ".ipynb", ".js")
    }
    with zipfile.ZipFile(out / "course.zip") as archive:
        for name in archive.namelist():
            files[f"course.zip:{name}"] = archive.read(name).decode()
    return files


def found(files, secret):
    return [
        name
        for name, text in files.items()
        if secret in text and not name.startswith("_static")
    ]


def test_full_edition_shows_solutions_labels_and_the_index(project, tmp_path):
    files = build(project, tmp_path / "full")
    page = files["index.html"]
    for secret in SECRETS:
        assert found(files, secret), secret
    assert (
        "★★☆" in page
        and "about 10 min" in page
        and "3 points" in page
        and "ex-one" in page
    )
    assert "★☆☆" in page and "1 point<" in page
    index = files["exercises.html"]
    assert (
        "Exercise 1" in index
        and "Exercise 2" in index
        and "check_f" in index
        and "by hand" in index
        and "★★☆" in index
    )


def test_gated_solutions_build_with_hidden_solutions(project, tmp_path):
    files = build(project, tmp_path / "hidden", "-D", "hide_solutions=1")
    html = {k: v for k, v in files.items() if k.endswith(".html")}
    for secret in SECRETS:
        assert not found(html, secret), secret
    assert "Write <code" in files["index.html"]  # the exercises themselves stay


def test_student_edition_has_no_solution_in_pages_or_downloads(project, tmp_path):
    files = build(project, tmp_path / "student", edition="student")
    for secret in SECRETS:
        assert not found(files, secret), (secret, found(files, secret))
    page = html.unescape(re.sub(r"<[^>]+>", "", files["index.html"]))
    assert 'raise NotImplementedError("exercise ex-one: write f")' in page
    source = next(
        text for name, text in files.items() if name.startswith("_sources/index.ipynb")
    )
    assert "exercise ex-one: write f" in source and "ex.check_f(f)" in source
    assert "exercise ex-one: write f" in files["course.zip:course/index.ipynb"]


def test_an_unknown_edition_is_refused(monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "course_exercises", ROOT / "book" / "_ext" / "course_exercises.py"
    )
    extension = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extension)
    monkeypatch.setenv("AIGC_COURSE_EDITION", "teacher")
    with pytest.raises(
        ValueError, match="AIGC_COURSE_EDITION must be one of full, student"
    ):
        extension.edition()
    monkeypatch.setenv("AIGC_COURSE_EDITION", "")
    assert extension.edition() == "full"
