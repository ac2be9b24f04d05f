"""aigc-course doctor: a report, exit 0 when all is well, non-zero with a reason when
not; and the instructor commands' arguments (their work is tested in
test_instructors.py)."""

import io
import shutil
import subprocess
import sys

import pytest

from aigc_course import cli


def test_doctor_passes_here():
    out = io.StringIO()
    assert cli.doctor(out) == 0
    text = out.getvalue()
    for name in ("python", "tensorflow", "keras", "torch", "digits", "keras backend"):
        assert name in text
    assert "All checks passed" in text


def test_doctor_reports_a_missing_package(monkeypatch):
    real_import = cli.importlib.import_module

    def fake_import(name, *args):
        if name == "torch":
            raise ImportError("No module named 'torch'")
        return real_import(name, *args)

    monkeypatch.setattr(cli.importlib, "import_module", fake_import)
    out = io.StringIO()
    assert cli.doctor(out) == 1
    assert (
        "torch: cannot import (ImportError: No module named 'torch')" in out.getvalue()
    )
    assert "requirements.txt" in out.getvalue()


def test_console_script_is_installed():
    exe = shutil.which("aigc-course")
    assert exe, "the aigc-course command is not on PATH: was the package installed?"
    result = subprocess.run(
        [exe, "doctor"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_main_without_command_prints_help():
    assert cli.main([]) == 2
    result = subprocess.run(
        [sys.executable, "-m", "aigc_course.cli", "--help"],
        capture_output=True,
        text=True,
    )
    assert "doctor" in result.stdout


def _doctor(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    return cli.doctor(out), out.getvalue()


def test_doctor_refuses_a_bad_device_request(monkeypatch):
    code, text = _doctor(monkeypatch, AIGC_COURSE_DEVICE="bogus")
    assert code == 1
    assert (
        "AIGC_COURSE_DEVICE must be one of auto, cpu, gpu" in text
        and "got 'bogus'" in text
    )
    assert "set it to cpu, gpu or auto, or unset it" in text


def test_doctor_refuses_a_missing_mnist_path(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "mnist.npz"
    code, text = _doctor(monkeypatch, AIGC_COURSE_MNIST=str(missing))
    assert code == 1
    assert f"AIGC_COURSE_MNIST={str(missing)!r} does not exist" in text


def test_doctor_refuses_an_mnist_file_that_does_not_load(monkeypatch, tmp_path):
    junk = tmp_path / "mnist.npz"
    junk.write_bytes(b"not an npz file")
    code, text = _doctor(monkeypatch, AIGC_COURSE_MNIST=str(junk))
    assert code == 1
    assert "does not load" in text and "fix the file or unset the variable" in text


def test_doctor_checks_the_testing_variables(monkeypatch):
    code, text = _doctor(
        monkeypatch,
        AIGC_COURSE_THREADS="two",
        AIGC_COURSE_PERTURB="big",
        AIGC_COURSE_SEED_OFFSET="-1",
    )
    assert code == 1
    assert "AIGC_COURSE_THREADS must be a positive integer, got 'two'" in text
    assert "AIGC_COURSE_PERTURB must be a relative size" in text
    assert "AIGC_COURSE_SEED_OFFSET must be a non-negative integer, got '-1'" in text


def test_doctor_says_when_numbers_will_differ_from_the_book(monkeypatch):
    code, text = _doctor(
        monkeypatch, AIGC_COURSE_THREADS="2", AIGC_COURSE_PERTURB="1e-4"
    )
    assert code == 0
    assert "2 (AIGC_COURSE_THREADS)" in text
    assert "weights nudged, for testing only" in text


def test_help_lists_the_instructor_commands():
    result = subprocess.run(
        [sys.executable, "-m", "aigc_course.cli", "--help"],
        capture_output=True,
        text=True,
    )
    assert "assign" in result.stdout and "grade" in result.stdout


def test_grade_refuses_a_time_limit_that_is_not_positive(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["grade", "submission.ipynb", "--timeout", "0"])
    assert stop.value.code == 2
    assert (
        "--timeout must be a number of seconds > 0, got '0'" in capsys.readouterr().err
    )


def test_grade_names_a_missing_notebook(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["grade", str(tmp_path / "missing.ipynb")])
    assert (
        "must be a notebook (.ipynb) "
        "or a folder of notebooks" in capsys.readouterr().err
    )
