"""Keep the one pin file (requirements.txt) and environment.yml in step.

    python scripts/pins.py freeze   # rewrite requirements.txt from the environment
    python scripts/pins.py env      # rewrite environment.yml from requirements.txt

The book's stored notebook outputs are reproducible only with the pinned
versions, so re-run the notebook tests after changing a pin.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
ENVIRONMENT = ROOT / "environment.yml"

HEADER = """\
# The tested versions of every dependency: the one place they are pinned.
# Set-up (see README):  python -m pip install -r requirements.txt
# environment.yml mirrors these lines (python scripts/pins.py env); a test checks it.
# Regenerate from a working environment with: python scripts/pins.py freeze
"""

# The CPU build of TensorFlow is published for Linux x86-64 only; other
# platforms get the regular package (which has no CUDA dependencies either).
TENSORFLOW = {
    "tensorflow-cpu": '; sys_platform == "linux" and platform_machine == "x86_64"',
    "tensorflow": '; sys_platform != "linux" or platform_machine != "x86_64"',
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def freeze() -> None:
    lines = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    pins = {}
    for line in lines:
        name, _, version = line.partition("==")
        if not version:
            continue
        # "2.13.0+cpu" is a local build label; "==2.13.0" still selects it.
        pins[normalise(name)] = version.split("+")[0]
    tf_version = pins.pop("tensorflow-cpu", None) or pins.pop("tensorflow", None)
    body = [f"{name}=={version}" for name, version in sorted(pins.items())]
    if tf_version:
        body += [f"{name}=={tf_version}{marker}" for name, marker in TENSORFLOW.items()]
    body.append("-e .[book,test]")
    REQUIREMENTS.write_text(
        HEADER + "\n".join(sorted(body[:-1]) + body[-1:]) + "\n", encoding="utf-8"
    )
    print(f"wrote {REQUIREMENTS.name}: {len(body) - 1} pins")


def requirement_lines(path: pathlib.Path = REQUIREMENTS) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def environment() -> None:
    pip_lines = "\n".join(f"      - {line}" for line in requirement_lines())
    ENVIRONMENT.write_text(
        "# Conda environment for the AIGC Course; mirrors requirements.txt (written "
        "by scripts/pins.py env).\n"
        "# conda env create -f environment.yml && conda activate aigc-course\n"
        "name: aigc-course\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        "  - python=3.11\n"
        "  - pip\n"
        "  - pip:\n"
        f"{pip_lines}\n",
        encoding="utf-8",
    )
    print(f"wrote {ENVIRONMENT.name}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "freeze":
        freeze()
    elif command == "env":
        environment()
    else:
        sys.exit(__doc__)
