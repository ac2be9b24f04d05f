"""Re-execute the book's notebooks, measure how their trained numbers spread, test them
perturbed, and keep the set-up note at the top of each one.

    python scripts/notebooks.py run [NOTEBOOK ...]       # re-execute in place (default:
                                                         # every notebook)
    python scripts/notebooks.py spread [NOTEBOOK ...]    # claims and printed numbers
                                                         # across seeds/environments
    python scripts/notebooks.py test PERTURBATION [ARGS ...]  # pytest --nbval under a
                                                              # perturbed environment
    python scripts/notebooks.py install-note [NOTEBOOK ...]   # the set-up note in each
                                                              # first cell

``run`` executes each notebook from a fresh kernel, top to bottom, on the CPU, in its
own folder, and stores it with its outputs; cell metadata keeps only what the author
wrote (tags and the like), so a re-run changes no line but the outputs.  ``spread``
executes copies under several seeds and perturbed environments (see
``aigc_course.core.perturb``) and reports, for every
:func:`aigc_course.book.claims.claim`, the lowest and highest value seen against the
claimed range.  CONTRIBUTING.md, "Trained numbers", says how to use them.
``install-note`` writes :data:`INSTALL_NOTE` under the title of each notebook (or
replaces an older version of it), so that a reader who downloaded one notebook alone
learns where the package comes from.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aigc_course.core.perturb import PERTURBATIONS  # noqa: E402

# Execution metadata that changes on every run and means nothing to a reader.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")
KERNEL = {
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "name": "python3",
}


# Under the title of every notebook: a reader who downloaded one notebook alone meets
# `import aigc_course` and needs to know where the package comes from.  The zip is the
# archive book/_ext/take_home.py writes; the command is README.md's set-up command.
INSTALL_NOTE = (
    "> **To run this notebook** you need the course's package, `aigc_course`:\n"
    "> download `aigc-course.zip` (the zip button in the book's top bar), unpack\n"
    "> it, and in the `aigc-course` folder run\n"
    "> `python -m pip install -r requirements.txt`.\n"
)
_NOTE_START = INSTALL_NOTE.split("**")[0] + "**" + INSTALL_NOTE.split("**")[1] + "**"


def book_notebooks() -> list[pathlib.Path]:
    return sorted(
        p
        for p in (ROOT / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def _resolve(paths: list[str]) -> list[pathlib.Path]:
    if not paths:
        return book_notebooks()
    found = []
    for name in paths:
        path = pathlib.Path(name).resolve()
        if path.is_dir():
            found += sorted(path.rglob("*.ipynb"))
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise SystemExit(f"not a notebook or folder: {name}")
    return found


def execute(
    path: pathlib.Path,
    out: pathlib.Path,
    env: dict[str, str],
    allow_errors: bool = False,
) -> float:
    """Execute ``path`` in a fresh kernel with ``env`` added; write the result to
    ``out``; return seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        NotebookClient(
            nb,
            timeout=900,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata.get("language_info", {}).pop("version", None)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return seconds


def _run_many(jobs, workers: int):
    """Run ``execute`` jobs in separate processes: environment changes stay per job."""
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(execute, *job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            path, out = futures[future][0], futures[future][1]
            try:
                print(
                    f"{future.result():6.1f} s  "
                    f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}",
                    flush=True,
                )
            except Exception as error:  # report every notebook, then fail
                print(
                    f"FAILED  {path.relative_to(ROOT)}: "
                    f"{str(error).strip().splitlines()[-1][:300]}",
                    flush=True,
                )
                yield path


def cmd_run(args) -> int:
    env = {"AIGC_COURSE_DEVICE": "cpu", "PYTHONHASHSEED": "0"}
    failed = list(_run_many([(p, p, env) for p in _resolve(args.notebooks)], args.jobs))
    return 1 if failed else 0


def cmd_spread(args) -> int:
    notebooks = _resolve(args.notebooks)
    variants = {f"seed+{k}": {"AIGC_COURSE_SEED_OFFSET": str(k)} for k in args.seeds}
    variants.update({name: PERTURBATIONS[name] for name in args.perturbations})
    out_dir = pathlib.Path(args.out or tempfile.mkdtemp(prefix="aigc-spread-"))
    for name, extra in variants.items():
        jobs = []
        for path in notebooks:
            rel = path.relative_to(ROOT)
            env = {
                "AIGC_COURSE_DEVICE": "cpu",
                "PYTHONHASHSEED": "0",
                **extra,
                "AIGC_COURSE_CLAIMS_LOG": str(out_dir / name / "claims.jsonl"),
                "AIGC_COURSE_NOTEBOOK": str(rel),
            }
            (out_dir / name).mkdir(parents=True, exist_ok=True)
            jobs.append((path, out_dir / name / rel, env, True))
        list(_run_many(jobs, workers(extra, args.jobs)))
    print(f"\nexecuted copies and claim logs: {out_dir}\n")
    report(out_dir, list(variants))
    return 0


def report(out_dir: pathlib.Path, variants: list[str]) -> None:
    """Print each claim's range and the lowest/highest value seen in each variant."""
    seen: dict[tuple[str, str], dict] = {}
    for name in variants:
        log = out_dir / name / "claims.jsonl"
        for line in log.read_text().splitlines() if log.exists() else []:
            entry = json.loads(line)
            row = seen.setdefault(
                (entry["notebook"], entry["claim"]),
                {"low": entry["low"], "high": entry["high"]},
            )
            row.setdefault(name, []).append(entry["value"])
    for (notebook, text), row in sorted(seen.items()):
        values = [v for name in variants for v in row.get(name, [])]
        inside = all(
            (row["low"] is None or v >= row["low"])
            and (row["high"] is None or v <= row["high"])
            for v in values
        )
        band = f"[{row['low']}, {row['high']}]"
        per_variant = "  ".join(f"{name}={_fmt(row.get(name))}" for name in variants)
        print(
            f"{'ok ' if inside else 'OUT'} {notebook} | {text} | claimed {band} | "
            f"seen {min(values):.4g}..{max(values):.4g} | {per_variant}"
        )


def _fmt(values) -> str:
    if not values:
        return "-"
    return ",".join(f"{v:.4g}" for v in values)


def workers(env: dict[str, str], wanted: int | None = None) -> int:
    """Parallel notebooks that fit the cores: an environment with more threads per
    kernel runs fewer.

    Two busy threads per core make both frameworks many times slower (threads spin while
    they wait), so a 2-thread environment on 2 cores runs one notebook at a time.
    """
    threads = int(env.get("AIGC_COURSE_THREADS", "1"))
    fit = max(1, (os.cpu_count() or 1) // threads)
    return min(wanted, fit) if wanted else fit


def cmd_test(args) -> int:
    extra = PERTURBATIONS[args.perturbation]
    env = {**os.environ, **extra}
    print("perturbation:", " ".join(f"{k}={v}" for k, v in extra.items()), flush=True)
    given = args.pytest_args or []
    if not any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in given):
        given = ["-n", str(workers(extra)), *given]
    if not any(
        (ROOT / a).exists() or pathlib.Path(a).exists()
        for a in given
        if not a.startswith("-")
    ):
        # the notebooks only: the unit tests do not depend on the machine's rounding
        given = [*given, "book"]
    command = [sys.executable, "-m", "pytest", "--nbval", *given]
    return subprocess.call(command, cwd=ROOT, env=env)


def with_install_note(source: str) -> str:
    """A title cell's Markdown with :data:`INSTALL_NOTE` right under its first line
    (the title), in place of any earlier version of the note."""
    lines = source.split("\n")
    kept, i = [], 0
    while i < len(lines):
        if lines[i].startswith(_NOTE_START):
            while i < len(lines) and lines[i].startswith(">"):
                i += 1
            while i < len(lines) and not lines[i].strip() and kept and not kept[-1]:
                i += 1  # the blank line that separated the old note
            continue
        kept.append(lines[i])
        i += 1
    title, rest = kept[0], "\n".join(kept[1:]).lstrip("\n")
    return f"{title}\n\n{INSTALL_NOTE}" + (f"\n{rest}" if rest else "")


def cmd_install_note(args) -> int:
    import nbformat

    for path in _resolve(args.notebooks):
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0] if nb.cells else None
        if first is None or first.cell_type != "markdown":
            print(f"FAILED  {path.relative_to(ROOT)}: the first cell is not Markdown")
            return 1
        new = with_install_note(first.source)
        if new != first.source:
            first.source = new
            nbformat.write(nb, path)
            print(f"wrote   {path.relative_to(ROOT)}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="re-execute notebooks in place")
    run.add_argument(
        "notebooks",
        nargs="*",
        help="notebooks or folders (default: every notebook in book/)",
    )
    run.add_argument(
        "-j", "--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1))
    )
    spread = sub.add_parser(
        "spread", help="claims across seeds and perturbed environments"
    )
    spread.add_argument("notebooks", nargs="*")
    spread.add_argument(
        "--seeds",
        type=int,
        nargs="*",
        default=[0, 1, 2],
        help="seed offsets (0: the book's own)",
    )
    spread.add_argument(
        "--perturbations",
        nargs="*",
        default=sorted(PERTURBATIONS),
        choices=sorted(PERTURBATIONS),
    )
    spread.add_argument(
        "--out",
        help="folder for the executed copies and logs (default: a new temporary one)",
    )
    spread.add_argument(
        "-j",
        "--jobs",
        type=int,
        help="notebooks at a time (default: as many as fit the cores)",
    )
    test = sub.add_parser("test", help="pytest --nbval with a perturbed environment")
    test.add_argument("perturbation", choices=sorted(PERTURBATIONS))
    test.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="passed to pytest; without a path, every notebook in "
        "book/; without -n, as many at a time as fit the cores",
    )
    note = sub.add_parser(
        "install-note", help="write the set-up note under each notebook's title"
    )
    note.add_argument(
        "notebooks",
        nargs="*",
        help="notebooks or folders (default: every notebook in book/)",
    )
    args = parser.parse_args(argv)
    commands = {
        "run": cmd_run,
        "spread": cmd_spread,
        "test": cmd_test,
        "install-note": cmd_install_note,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
