"""Build the book's two sites: English in ``_build/html/``, Chinese in ``zh_CN/`` in it.

    python scripts/build_book.py                 # both editions
    python scripts/build_book.py -W -n --keep-going
    # the student edition in _build/student/_build/html (and its zh_CN/):
    AIGC_COURSE_EDITION=student \\
        python scripts/build_book.py --path-output _build/student

Options other than ``--path-output`` go to ``jupyter-book build`` unchanged.  The
Chinese edition is built from the same source with the catalogs in
``locale/zh_CN/LC_MESSAGES`` (``AIGC_COURSE_LANGUAGE=zh_CN``; see
``book/_ext/translations.py``), in a folder of its own, then copied into the
English site so that each page's language button finds its twin.
"""

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from translations import CHINESE, CHINESE_FOLDER, VARIABLE  # noqa: E402


def jupyter_book() -> str:
    return shutil.which("jupyter-book") or str(
        pathlib.Path(sys.executable).with_name("jupyter-book")
    )


def build(path_output: pathlib.Path, language: str, options: list[str]) -> None:
    env = dict(os.environ, **{VARIABLE: language})
    command = [jupyter_book(), "build", str(ROOT), "--path-output", str(path_output)]
    start = time.monotonic()
    print(f"== {language}: {' '.join(command[1:] + options)}", flush=True)
    result = subprocess.run(command + options, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"the {language} build failed (exit {result.returncode})")
    print(f"== {language} built in {time.monotonic() - start:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--path-output",
        type=pathlib.Path,
        default=ROOT,
        help="the sites go to PATH/_build/html (default: the repository root)",
    )
    args, options = parser.parse_known_args(argv)
    base = args.path_output.resolve()
    build(base, "en", options)
    chinese_build = base / "_build" / f"{CHINESE}-edition"
    build(chinese_build, CHINESE, options)
    target = base / "_build" / "html" / CHINESE_FOLDER
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(chinese_build / "_build" / "html", target)
    print(f"English: {base / '_build' / 'html' / 'index.html'}")
    print(f"中文:    {target / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
