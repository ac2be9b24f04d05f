"""The ``aigc-course`` command line.

``aigc-course doctor`` checks that a machine can run the course: versions of
Python and the frameworks, CPU/GPU, and whether the course data loads offline.
It exits non-zero, with a message saying what to do, when something is missing.

For instructors (see :mod:`aigc_course.instructors`):

* ``aigc-course assign PATH... --out DIR`` writes a student edition of notebooks
  (solutions removed, checkers kept) to ``DIR/student/`` and the answer key to
  ``DIR/key/``;
* ``aigc-course grade NOTEBOOK... [--timeout S] [--out FILE.csv]`` executes submitted
  notebooks and writes one row per exercise: points, maximum points and feedback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time

REQUIRED = ("numpy", "scipy", "sklearn", "matplotlib", "tensorflow", "keras", "torch")
OPTIONAL = ("jupyter_book", "nbval", "jupyterlab")
SETUP_HINT = (
    "run the README's set-up command: python -m pip install -r requirements.txt"
)


class _Report:
    def __init__(self, out):
        self.out, self.problems = out, []

    def line(self, label: str, value: str) -> None:
        print(f"  {label:<22} {value}", file=self.out)

    def fail(self, label: str, value: str, kind: str = "MISSING") -> None:
        self.line(label, f"{kind}: {value}")
        self.problems.append(f"{label}: {value}")


def _version(module_name: str):
    module = importlib.import_module(module_name)
    return getattr(module, "__version__", "?")


def _check_packages(report: _Report) -> None:
    print("Packages", file=report.out)
    report.line("python", f"{platform.python_version()} ({sys.executable})")
    if sys.version_info[:2] != (3, 11):
        report.line("", "note: the course is tested on Python 3.11")
    for name in REQUIRED:
        try:
            report.line(name, _version(name))
        except Exception as err:  # an import can fail in many ways; report them all
            report.fail(
                name, f"cannot import ({type(err).__name__}: {err}); {SETUP_HINT}"
            )
    for name in OPTIONAL:
        try:
            report.line(name, _version(name))
        except Exception:
            report.line(
                name,
                "not installed (only needed to build the book or run "
                "the notebook tests)",
            )


def _check_hardware(report: _Report) -> None:
    print("Hardware", file=report.out)
    report.line("cpu cores", str(os.cpu_count()))
    _check_settings(report)
    try:
        import torch

        gpu = (
            torch.cuda.get_device_name(0)
            if torch.cuda.is_available()
            else "none (CPU build or no GPU)"
        )
        report.line("pytorch gpu", gpu)
    except Exception:
        pass
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        report.line("tensorflow gpu", ", ".join(g.name for g in gpus) or "none")
    except Exception:
        pass
    try:
        import keras

        backend = keras.backend.backend()
        if backend != "tensorflow":
            report.fail(
                "keras backend",
                f"{backend!r}; the course's Keras code needs KERAS_BACKEND=tensorflow",
            )
        else:
            report.line("keras backend", backend)
    except Exception:
        pass


def _check_settings(report: _Report) -> None:
    """The course's environment variables: a bad value here would make every trainer
    raise."""
    from aigc_course.core import perturb, seed
    from aigc_course.core.device import DEVICE_ENV_VAR, requested_device

    try:
        device = requested_device(None)
        shown = (
            os.environ.get(DEVICE_ENV_VAR)
            or "auto (set AIGC_COURSE_DEVICE=cpu to force the CPU)"
        )
        report.line("device request", shown if device == "auto" else device)
    except ValueError as err:
        report.fail(
            "device request",
            f"{err}; set it to cpu, gpu or auto, or unset it",
            "INVALID",
        )
    try:
        threads = seed.threads_from_env()
        report.line(
            "threads per framework",
            f"{threads} (AIGC_COURSE_THREADS)" if threads else "1 (the book's setting)",
        )
    except ValueError as err:
        report.fail(
            "threads per framework",
            f"{err}; unset it to use 1, the book's setting",
            "INVALID",
        )
    for name, read, meaning in [
        (perturb.PERTURB_ENV_VAR, perturb.perturbation, "weights nudged"),
        (seed.SEED_OFFSET_ENV_VAR, seed.seed_offset_from_env, "seeds shifted"),
    ]:
        try:
            if read():
                report.line(
                    name,
                    f"{os.environ[name]}: {meaning}, for testing only; "
                    "numbers will differ from the book's",
                )
        except ValueError as err:
            report.fail(name, f"{err}; it is for testing only: unset it", "INVALID")


def _check_data(report: _Report) -> None:
    print("Data (offline)", file=report.out)
    try:
        from aigc_course.data import load_digits

        start = time.perf_counter()
        images, labels = load_digits(image_size=28)
        report.line(
            "digits",
            f"{images.shape[0]} training images {images.shape[1:]} "
            f"loaded in {time.perf_counter() - start:.1f} s",
        )
    except Exception as err:
        report.fail("digits", f"{type(err).__name__}: {err}")
    mnist = os.environ.get("AIGC_COURSE_MNIST")
    if not mnist:
        report.line(
            "mnist (optional)",
            "AIGC_COURSE_MNIST not set; the course uses scikit-learn's digits",
        )
    elif not os.path.exists(mnist):
        report.fail(
            "mnist (optional)",
            f"AIGC_COURSE_MNIST={mnist!r} does not exist; "
            "point it at an mnist.npz "
            "or a folder of the four IDX files, or unset "
            "it",
            "INVALID",
        )
    else:
        try:
            from aigc_course.data import load_mnist

            images, _ = load_mnist(mnist)
            report.line(
                "mnist (optional)",
                f"{images.shape[0]} images {images.shape[1:]} from {mnist}",
            )
        except Exception as err:
            report.fail(
                "mnist (optional)",
                f"AIGC_COURSE_MNIST={mnist!r} does not "
                f"load ({type(err).__name__}: {err}); "
                "fix the file or unset the variable",
                "INVALID",
            )


def doctor(out=None) -> int:
    """Print the environment report; return 0 when the course can run, 1 otherwise."""
    out = out or sys.stdout
    import aigc_course

    print(f"aigc-course {aigc_course.__version__} doctor", file=out)
    report = _Report(out)
    _check_packages(report)
    _check_hardware(report)
    _check_data(report)
    if report.problems:
        print(f"\n{len(report.problems)} problem(s):", file=out)
        for problem in report.problems:
            print(f"  - {problem}", file=out)
        return 1
    print("\nAll checks passed: the course can run on this machine.", file=out)
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise argparse.ArgumentTypeError(
            f"--timeout must be a number of seconds > 0, got {text!r}"
        )
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="aigc-course", description="Companion tools of the AIGC Course book."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("doctor", help="check that this machine can run the course")
    assign = sub.add_parser(
        "assign", help="write the student edition and the answer key of notebooks"
    )
    assign.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a notebook or a folder of notebooks (e.g. book/04_math)",
    )
    assign.add_argument(
        "--out", required=True, metavar="DIR", help="writes DIR/student/ and DIR/key/"
    )
    grade = sub.add_parser(
        "grade", help="execute submitted notebooks and score their exercises"
    )
    grade.add_argument(
        "paths",
        nargs="+",
        metavar="NOTEBOOK",
        help="submitted notebooks, or folders of them",
    )
    grade.add_argument(
        "--timeout",
        type=_seconds,
        default=600.0,
        metavar="SECONDS",
        help="time limit for each whole notebook (default 600)",
    )
    grade.add_argument(
        "--out",
        metavar="FILE.csv",
        help="write the rows here (default: standard output)",
    )
    grade.add_argument("--source", nargs="+", metavar="PATH",
                       help="the assigned notebooks (or their folders): take "
                            "exercises and points from them, "
                            "matched by file name, not "
                            "from the submissions")  # fmt: skip
    args = parser.parse_args(argv)
    if args.command == "doctor":
        return doctor()
    if args.command in ("assign", "grade"):
        try:
            if args.command == "assign":
                from aigc_course.instructors.assign import assign as write_editions

                write_editions(args.paths, args.out)
                return 0
            from aigc_course.instructors.grade import main as grade_main

            return grade_main(
                args.paths, timeout=args.timeout, out=args.out, source=args.source
            )
        except ValueError as err:
            parser.error(str(err))
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
