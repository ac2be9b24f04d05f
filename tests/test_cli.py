"""aigc-course doctor: a report, exit 0 when all is well, non-zero with a reason when not."""

import io
import shutil
import subprocess
import sys

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
    assert "torch: cannot import (ImportError: No module named 'torch')" in out.getvalue()
    assert "requirements.txt" in out.getvalue()


def test_console_script_is_installed():
    exe = shutil.which("aigc-course")
    assert exe, "the aigc-course command is not on PATH: was the package installed?"
    result = subprocess.run([exe, "doctor"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_main_without_command_prints_help():
    assert cli.main([]) == 2
    result = subprocess.run([sys.executable, "-m", "aigc_course.cli", "--help"], capture_output=True, text=True)
    assert "doctor" in result.stdout
