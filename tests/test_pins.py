"""One pin file: requirements.txt.  environment.yml mirrors it line for line."""

import pathlib
import re
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _requirements():
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _environment_pip_lines():
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    pip_block = text.split("  - pip:\n", 1)[1]
    return [
        line.strip()[2:]
        for line in pip_block.splitlines()
        if line.strip().startswith("- ")
    ]


def _name(line):
    return re.split(r"[=<>!~; \[]", line, maxsplit=1)[0].lower().replace("_", "-")


def test_every_requirement_is_pinned_exactly():
    for line in _requirements():
        if line.startswith("-e "):
            continue
        assert re.match(r"^[A-Za-z0-9._-]+==[0-9][^;\s]*(;.*)?$", line), (
            f"not an exact pin: {line}"
        )


def test_environment_yml_mirrors_requirements():
    assert _environment_pip_lines() == _requirements(), (
        "run: python scripts/pins.py env"
    )
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "- python=3.11" in text


def test_torch_is_the_tested_cpu_build_and_no_cuda_packages():
    pins = {_name(line): line for line in _requirements()}
    assert pins["torch"] == "torch==2.13.0"
    assert not [name for name in pins if name.startswith("nvidia-")]


def test_direct_dependencies_are_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]
    direct = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        direct += extra
    pinned = {_name(line) for line in _requirements()}
    missing = sorted({_name(dep) for dep in direct} - pinned)
    assert not missing, f"dependencies without a pin in requirements.txt: {missing}"


def test_installed_versions_match_pins():
    from importlib.metadata import PackageNotFoundError, version

    wrong = []
    for line in _requirements():
        if line.startswith("-e "):
            continue
        spec = line.split(";")[0]
        name, pinned = spec.split("==")
        try:
            installed = version(name)
        except PackageNotFoundError:
            if ";" in line:  # a platform marker excludes it here
                continue
            wrong.append(f"{name} not installed")
            continue
        if installed.split("+")[0] != pinned:
            wrong.append(f"{name} {installed} != {pinned}")
    assert not wrong, (
        "the environment differs from requirements.txt (stored notebook "
        "outputs may not reproduce): " + ", ".join(wrong)
    )
