"""aigc-course assign and grade: the student edition, the answer key, and grading that
never hangs.

Kernels are started for real (grading is about executing notebooks), on small synthetic
notebooks and on one chapter notebook, the cheapest with several checked exercises.
"""

import csv
import io
import json
import pathlib
import subprocess
import sys
import time

import pytest

from aigc_course import cli
from aigc_course.exercises import math as ex_math
from aigc_course.exercises._feedback import RECORD_MIME
from aigc_course.instructors import assign, grade, notebooks

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTER_NOTEBOOK = ROOT / "book" / "04_math" / "01_gan_objective.ipynb"


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text):
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": text,
    }


def exercise(label, points, body):
    return md(
        f":::{{exercise}}\n:label: {label}\n:difficulty: 1\n:minutes: "
        f"5\n:points: {points}\n\n{body}\n:::"
    )


OPTIMAL_D = (
    "def optimal_discriminator(p_data, p_g):\n    return p_data / (p_data + p_g)\n"
)
GRADIENT = (
    "def nonsaturating_gradient(d):\n    # the derivative of -log sigmoid(a)\n "
    "   return -(1 - d)\n"
)


def synthetic(first_cell="x = 1", optimal_d=OPTIMAL_D, gradient=GRADIENT, points_a=2):
    """Two checked exercises (2 and 3 points) with gated solutions, and one marked by
    hand."""
    cells = [
        code(first_cell),
        exercise(
            "ex-a",
            points_a,
            "Write `optimal_discriminator`. Check it with "
            "`ex.check_optimal_discriminator(optimal_discriminator)`.",
        ),
        md(":::{solution-start} ex-a\n:class: dropdown\n:::"),
        code(
            "from aigc_course.exercises import math as ex\n\n\n"
            + optimal_d
            + "\n\nresult = "
            "ex.check_optimal_discriminator(optimal_discriminator)"
        ),
        md("SECRET_EXPLANATION_A\n:::{solution-end}\n:::"),
        exercise(
            "ex-b",
            3,
            "Write `nonsaturating_gradient`. Check it with "
            "`ex.check_generator_gradient(nonsaturating_gradient)`.",
        ),
        md(":::{solution-start} ex-b\n:class: dropdown\n:::"),
        code(
            gradient + "\n\nresult = "
            "ex.check_generator_gradient(nonsaturating_gradient)\nprint('SECRET_OUTPUT_B')"
        ),
        md(
            ":::{solution-end}\n:::\n\n"
            + exercise("ex-c", 1, "Explain why.")["source"]
            + "\n\n:::{solution} "
            "ex-c\n:class: "
            "dropdown\n\nSECRET_WORDS_C\n:::"
        ),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(tmp_path, name, nb):
    path = tmp_path / name
    notebooks.write_notebook(nb, path)
    return path


def by_exercise(rows):
    return {row.exercise: row for row in rows}


# --------------------------------------------------------------------------
# The student edition (no kernel)
# --------------------------------------------------------------------------


def test_student_edition_removes_solutions_and_keeps_the_checkers():
    student = assign.student_edition(synthetic())
    text = json.dumps(student)
    for secret in ("SECRET_EXPLANATION_A", "SECRET_OUTPUT_B", "SECRET_WORDS_C",
                   "return p_data / (p_data + p_g)", "-(1 - d)", "the derivative of",
                   "solution-start", "solution-end", "{solution}"):  # fmt: skip
        assert secret not in text, secret
    sources = [notebooks.cell_source(c) for c in student["cells"]]
    stub_a = next(s for s in sources if "optimal_discriminator(p_data, p_g)" in s)
    assert (
        'raise NotImplementedError("exercise '
        'ex-a: write optimal_discriminator")' in stub_a
    )
    assert "from aigc_course.exercises import math as ex" in stub_a
    assert "result = ex.check_optimal_discriminator(optimal_discriminator)" in stub_a
    assert "print(" not in "".join(sources)  # the rest of a worked answer goes
    assert [e.label for e in notebooks.exercises(student)] == ["ex-a", "ex-b", "ex-c"]
    assert all(c["outputs"] == [] for c in student["cells"] if c["cell_type"] == "code")


def test_student_code_keeps_signatures_docstrings_and_checked_values():
    source = (
        "import numpy as np\n\n\n@np.vectorize\ndef f(x,\n      y=2):\n    "
        '"""Add."""\n    # how: add them\n    return x + y\n\n\n'
        "answers = {'a': 1}\nhelper = 3\nresult = ex.check_things(answers)\n"
    )
    stub = notebooks.student_code(source, "lab")
    assert stub == (
        "import numpy as np\n\n\n@np.vectorize\ndef f(x,\n      y=2):\n    "
        '"""Add."""\n'
        '    raise NotImplementedError("exercise lab: write f")\n\n\n'
        "answers = None  # exercise lab: your answer\nresult = "
        "ex.check_things(answers)\n"
    )
    assert (
        notebooks.student_code("%timeit f()", "lab")
        == "# Exercise lab: your code here\n"
    )


def test_every_book_notebook_has_a_student_edition_without_its_solution_code():
    for path in sorted((ROOT / "book").rglob("*.ipynb")):
        nb = notebooks.read_notebook(path)
        solutions = notebooks.solution_text(nb)
        key = "\n".join(notebooks.cell_source(c) for c in nb["cells"])
        student = "\n".join(
            notebooks.cell_source(c) for c in assign.student_edition(nb)["cells"]
        )
        returns = {
            line.strip()
            for block in solutions
            for line in block.splitlines()
            if line.strip().startswith("return ")
        }
        # A line may also appear outside the solutions (the lesson's own code): only
        # those copies may stay.
        leaked = [
            line
            for line in returns
            if student.count(line)
            > key.count(line) - sum(b.count(line) for b in solutions)
        ]
        assert not leaked, f"{path.name}: {leaked[:3]}"


def test_assign_writes_student_and_key_for_a_folder(tmp_path):
    folder = tmp_path / "chapter"
    write(folder, "a.ipynb", synthetic())
    write(folder / "sub", "b.ipynb", synthetic())
    lines = []
    written = assign.assign([folder], tmp_path / "out", log=lines.append)
    assert sorted(p.relative_to(tmp_path / "out") for p in written) == [
        pathlib.Path("student/chapter/a.ipynb"),
        pathlib.Path("student/chapter/sub/b.ipynb"),
    ]
    key = tmp_path / "out" / "key" / "chapter" / "a.ipynb"
    assert key.read_text(encoding="utf-8") == (folder / "a.ipynb").read_text(
        encoding="utf-8"
    )
    assert "SECRET_WORDS_C" not in (
        tmp_path / "out" / "student" / "chapter" / "a.ipynb"
    ).read_text(encoding="utf-8")
    assert lines[0] == "chapter/a.ipynb: 3 exercise(s), 2 checked by code"


def test_assign_refuses_what_is_not_a_notebook(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SystemExit):
        cli.main(
            ["assign", str(tmp_path / "notes.txt"), "--out", str(tmp_path / "out")]
        )
    assert (
        "must be a notebook (.ipynb) "
        "or a folder of notebooks" in capsys.readouterr().err
    )


# --------------------------------------------------------------------------
# Grading mode of the checkers
# --------------------------------------------------------------------------


def test_checkers_publish_a_record_and_no_expected_value_when_grading(
    monkeypatch, capsys
):
    def wrong(mu, log_var):
        return 1.3 * ex_math.theory.gaussian_kl(mu, log_var)

    monkeypatch.setenv("AIGC_COURSE_GRADING", "1")
    result = ex_math.check_gaussian_kl(wrong)
    out = capsys.readouterr().out
    assert (
        not result.passed
        and "which is not the expected value" in out
        and "hint" not in out
    )
    assert out.splitlines()[-1].startswith(RECORD_MIME)
    record = json.loads(out.splitlines()[-1].split(" ", 1)[1])
    assert record == {
        "checker": "check_gaussian_kl",
        "exercise": "Gaussian KL",
        "passed": False,
        "problems": result.problems,
        "answer_module": __name__,
    }
    monkeypatch.setenv("AIGC_COURSE_GRADING", "0")
    ex_math.check_gaussian_kl(wrong)
    out = capsys.readouterr().out
    # a reader sees the values and the hint
    assert "expected [" in out and "hint:" in out and RECORD_MIME not in out


def test_the_offline_guard_refuses_the_network_but_not_loopback():
    script = (
        "import socket, aigc_course.instructors._offline as o\n"
        "o.install()\n"
        "for host in ('192.0.2.1', 'example.org'):\n"
        "    try:\n"
        "        socket.create_connection((host, 80), timeout=2)\n"
        "    except OSError as err:\n"
        "        print('refused', host, err)\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "socket.create_connection(server.getsockname(), timeout=2); print('loopback "
        "ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    ).stdout
    assert (
        "refused 192.0.2.1 [Errno 101] the network is switched off while grading" in out
    )
    assert "refused example.org" in out and "loopback ok" in out


# --------------------------------------------------------------------------
# Grading (kernels)
# --------------------------------------------------------------------------


def test_a_chapter_key_scores_full_points_and_its_student_edition_zero(
    tmp_path, capsys
):
    assert cli.main(["assign", str(CHAPTER_NOTEBOOK), "--out", str(tmp_path)]) == 0
    out_csv = tmp_path / "grades.csv"
    key, student = (
        tmp_path / "key" / CHAPTER_NOTEBOOK.name,
        tmp_path / "student" / CHAPTER_NOTEBOOK.name,
    )
    assert (
        cli.main(
            ["grade", str(key), str(student), "--timeout", "300", "--out", str(out_csv)]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    checked = [
        e
        for e in notebooks.exercises(notebooks.read_notebook(CHAPTER_NOTEBOOK))
        if e.auto_graded
    ]
    assert len(checked) >= 3
    key_rows = [r for r in rows if r["notebook"] == str(key)]
    student_rows = [r for r in rows if r["notebook"] == str(student)]
    assert [r["exercise"] for r in key_rows] == [e.label for e in checked]
    assert all(
        r["status"] == "passed" and r["points"] == r["max_points"] != ""
        for r in key_rows
    ), key_rows
    assert all(r["status"] == "failed" and r["points"] == "0" for r in student_rows), (
        student_rows
    )
    assert all(
        "NotImplementedError" in r["feedback"] and r["exercise"] in r["feedback"]
        for r in student_rows
    )
    total = sum(e.points for e in checked)
    summary = capsys.readouterr().err
    assert f"{total}/{total}" in summary and f"0/{total}" in summary


def test_a_planted_wrong_answer_loses_exactly_that_exercise(tmp_path):
    wrong = OPTIMAL_D.replace("p_data / (p_data + p_g)", "p_g / (p_data + p_g)")
    rows = by_exercise(
        grade.grade(
            [write(tmp_path, "wrong.ipynb", synthetic(optimal_d=wrong))],
            timeout=120,
            log=lambda _: None,
        )
    )
    assert (rows["ex-a"].status, rows["ex-a"].points, rows["ex-a"].max_points) == (
        "failed",
        0,
        2,
    )
    assert "near 0 where the data are denser" in rows["ex-a"].feedback
    assert (rows["ex-b"].status, rows["ex-b"].points, rows["ex-b"].max_points) == (
        "passed",
        3,
        3,
    )
    assert (rows["ex-c"].status, rows["ex-c"].points, rows["ex-c"].max_points) == (
        "manual",
        None,
        1,
    )


def test_an_infinite_loop_is_graded_within_the_time_limit(tmp_path):
    looping = GRADIENT.replace(
        "def nonsaturating_gradient",
        "while True:\n    pass\n\n\ndef nonsaturating_gradient",
    )
    path = write(tmp_path, "loop.ipynb", synthetic(gradient=looping))
    start = time.monotonic()
    rows = by_exercise(grade.grade([path], timeout=6, log=lambda _: None))
    # the limit, plus starting and killing the kernel
    assert time.monotonic() - start < 6 + 40
    assert rows["ex-a"].status == "passed" and rows["ex-a"].points == 2
    assert rows["ex-b"].status == "time-out" and rows["ex-b"].points == 0
    assert "ran out of its 6 s" in rows["ex-b"].feedback


def test_a_notebook_that_raises_in_its_first_cell_is_graded(tmp_path):
    path = write(
        tmp_path,
        "raises.ipynb",
        synthetic(first_cell="raise RuntimeError('broken on purpose')"),
    )
    rows_list, run = grade.grade_notebook(path, timeout=120)
    rows = by_exercise(rows_list)
    assert (
        run.status == "completed"
        and run.first_error == "cell 0: RuntimeError: broken on purpose"
    )
    assert rows["ex-a"].status == rows["ex-b"].status == "passed"


def test_a_graded_notebook_cannot_reach_the_network(tmp_path):
    download = "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=5)"
    _, run = grade.grade_notebook(
        write(tmp_path, "download.ipynb", synthetic(first_cell=download)), timeout=120
    )
    assert run.first_error.startswith(
        "cell 0: OSError: [Errno 101] the network is switched off while grading"
    )


def test_grading_reads_points_from_the_source_not_the_submission(tmp_path):
    source = write(tmp_path / "assigned", "hw.ipynb", synthetic())
    edited = write(tmp_path / "alice", "hw.ipynb", synthetic(points_a=100))
    missing = write(
        tmp_path / "bob",
        "hw.ipynb",
        {"cells": [code("x = 1")], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
    )
    rows = grade.grade(
        [edited, missing], timeout=120, source=[source], log=lambda _: None
    )
    alice, bob = (
        by_exercise([r for r in rows if r.notebook == str(p)])
        for p in (edited, missing)
    )
    assert (alice["ex-a"].points, alice["ex-a"].max_points) == (2, 2)
    assert (
        bob["ex-a"].status == bob["ex-b"].status == "not run"
        and bob["ex-a"].points == 0
    )
    assert "check_optimal_discriminator(...) never ran" in bob["ex-a"].feedback


def test_checking_the_package_reference_earns_nothing(tmp_path):
    borrowed = "from aigc_course.maths.theory import optimal_discriminator\n"
    rows = by_exercise(
        grade.grade(
            [write(tmp_path, "borrowed.ipynb", synthetic(optimal_d=borrowed))],
            timeout=120,
            log=lambda _: None,
        )
    )
    assert (rows["ex-a"].status, rows["ex-a"].points) == ("failed", 0)
    assert "only checked the package's own reference function" in rows["ex-a"].feedback
    assert rows["ex-b"].status == "passed"
