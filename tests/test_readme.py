"""The README's Quick start is the contract with readers and with CI."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _quick_start_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_has_the_two_commands():
    setup, test = _quick_start_commands()
    assert setup == "python -m pip install -r requirements.txt"
    assert test.startswith("python -m pytest") and "--nbval" in test


def test_ci_reads_the_commands_from_the_readme():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "README.md" in ci and "unshare -n" in ci
