"""Time-to-quality: how good a generator gets after a fixed number of training seconds.

    python -m benchmarks.time_to_quality                 # default: < 10 min on 2 cores
    python -m benchmarks.time_to_quality --quick         # a smoke run, under a minute
    python -m benchmarks.time_to_quality --runners mlp_gan/torch-loop --seconds 30
    python -m benchmarks.time_to_quality --frameworks torch --threads 2
    python -m benchmarks.time_to_quality --list

Each runner (see ``benchmarks/runners.py``) trains for ``--seconds`` seconds of
*training* time (a baseline for ``--baseline-seconds``, longer by default
because it is slow).  ``--jobs`` runners train at the same time, each in its
own process with ``--threads`` threads (default: 2 jobs of 1 thread on a
machine with 2 or more cores).  The clock is the process's CPU time
(``--clock cpu``, the default): CPU seconds are what the course's goal is
stated in, and they change far less than wall-clock seconds when other
programs share the machine (those can triple; a CPU second still buys up to
about 20% less work then).  With one thread a CPU second is about a wall
second on an idle machine; ``--clock wall`` measures wall time (use it with
``--threads`` > 1 to see what extra cores buy).  Every ``--eval-every``
seconds, and at each ``--checkpoints`` time, the clock stops while
``--samples`` generated digits are scored with
:func:`aigc_course.evaluation.classifier.evaluate_samples` (the course's
reference classifier; not FID).  The harness reports:

* quality at each checkpoint and at the end (confident fraction, class
  entropy, the classifier Fréchet distance), next to what real digits score;
* the time to each quality bar: confident fraction >= each of
  ``--bar-confident`` (default 0.5, 0.7 and the issue's 0.85) together with
  class entropy >= ``--bar-entropy`` (2.20 nats).  It is the first evaluation
  that meets the bar, so it is exact to ``--eval-every`` seconds;
* for every non-baseline runner, the ratio baseline time / runner time per
  bar.  When the baseline has not reached a bar in its budget the ratio is a
  lower bound (``>=``); when the runner has not, there is none (``-``);
* seconds per epoch of every runner (its own batch size; Keras' first, tracing
  call included), and the Keras / PyTorch ratio for runners that differ only
  in the framework (``mlp_gan/keras-package`` and ``mlp_gan/torch-package``).
  ``python -m benchmarks.epoch_time`` measures that ratio more carefully;
* the wall-clock seconds the last evaluation took to draw its ``--samples``
  digits (``sample (s)``): what a diffusion model's many network calls cost.

Each runner trains and is scored at its own resolution (``RunnerSpec.image_size``:
28x28 for the GANs and the VAE, 8x8 for the diffusion models), next to what real
digits score at that resolution.

Results go to ``benchmarks/results/`` (ignored by git): a JSON file and a PNG
plot.  Timings depend on the machine and on what else runs on it; compare
runners within one run only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
import time

if __package__ in (None, ""):  # run as `python benchmarks/time_to_quality.py`
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np

# sets TensorFlow's environment variables before any framework import
import aigc_course
from aigc_course.data import load_digits
from aigc_course.evaluation.classifier import (
    evaluate_samples,
    real_data_ceiling,
    reference_classifier,
)
from benchmarks.runners import RUNNERS, RunnerSpec

RESULTS_DIR = pathlib.Path(__file__).resolve().parent / "results"
TABLE_METRICS = ("confident_fraction", "class_entropy", "classifier_frechet_distance")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.time_to_quality",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "--runners",
        nargs="+",
        metavar="NAME",
        help="runners to run (default: every default runner); see --list",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        metavar="MODEL",
        help="keep runners of these models, e.g. mlp_gan",
    )
    parser.add_argument(
        "--frameworks",
        nargs="+",
        choices=("keras", "torch"),
        help="keep runners of these frameworks",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="training seconds per runner (default 60; --quick: 5)",
    )
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=None,
        help="training seconds for a baseline (default 210; --quick: 5)",
    )
    parser.add_argument(
        "--checkpoints",
        type=float,
        nargs="+",
        default=None,
        help="table columns, in training seconds (default 15 30 60 90)",
    )
    parser.add_argument(
        "--eval-every",
        type=float,
        default=None,
        help="seconds of training between evaluations (default 5)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=None,
        help="generated digits per evaluation (default 1000)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads for TensorFlow and PyTorch (default 1: steady timings)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None,
        help="runners trained at once, each in its own process (default: CPU cores // "
             "threads, at most 2; 1: one after another, in this process)",
    )  # fmt: skip
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="what a training second is: process CPU time (default) or wall time",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--bar-confident",
        type=float,
        nargs="+",
        default=[0.5, 0.7, 0.85],
        help="quality bars: confident fractions (default 0.5 0.7 0.85)",
    )
    parser.add_argument(
        "--bar-entropy",
        type=float,
        default=2.20,
        help="quality bar: class entropy in nats (default 2.20)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 5 s per runner, checkpoints 2.5 and 5 s, 500 samples",
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=RESULTS_DIR,
        help="folder for the JSON and the plot",
    )
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--list", action="store_true", help="list the registered runners and exit"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.seconds = (
        args.seconds if args.seconds is not None else (5.0 if quick else 60.0)
    )
    if args.baseline_seconds is None:
        args.baseline_seconds = 5.0 if quick else max(210.0, args.seconds)
    if args.checkpoints is None:
        args.checkpoints = [2.5, 5.0] if quick else [15.0, 30.0, 60.0, 90.0]
        args.checkpoints = [c for c in args.checkpoints if c <= args.seconds] or [
            args.seconds
        ]
    args.eval_every = (
        args.eval_every if args.eval_every is not None else (2.5 if quick else 5.0)
    )
    args.samples = (
        args.samples if args.samples is not None else (500 if quick else 1000)
    )
    if (
        min(args.seconds, args.baseline_seconds, args.eval_every, *args.checkpoints)
        <= 0
    ):
        parser.error(
            "--seconds, --baseline-seconds, --eval-every and --checkpoints "
            "must be positive"
        )
    if max(args.checkpoints) > min(args.seconds, args.baseline_seconds):
        parser.error("--checkpoints must not exceed --seconds or --baseline-seconds")
    args.bar_confident = sorted(args.bar_confident)
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    if args.jobs is None:
        args.jobs = max(1, min(2, (os.cpu_count() or 1) // args.threads))
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    return args


def select_runners(args) -> list[RunnerSpec]:
    if args.runners:
        unknown = [name for name in args.runners if name not in RUNNERS]
        if unknown:
            raise SystemExit(
                f"unknown runner(s) {unknown}; registered: {', '.join(RUNNERS)}"
            )
        specs = [RUNNERS[name] for name in args.runners]
    else:
        specs = [spec for spec in RUNNERS.values() if spec.default]
    if args.models:
        specs = [s for s in specs if s.model in args.models]
    if args.frameworks:
        specs = [s for s in specs if s.framework in args.frameworks]
    if not specs:
        raise SystemExit("no runner left after the filters; see --list")
    return specs


def evaluation_times(seconds: float, eval_every: float, checkpoints) -> list[float]:
    """Training times at which to stop the clock and score samples."""
    times = (
        set(np.round(np.arange(eval_every, seconds + 1e-9, eval_every), 6))
        | set(checkpoints)
        | {seconds}
    )
    return sorted(float(t) for t in times)


def bar_name(confident: float) -> str:
    return f"{confident:g}"


def meets_bar(scores: dict, confident: float, args) -> bool:
    return (
        scores["confident_fraction"] >= confident
        and scores["class_entropy"] >= args.bar_entropy
    )


def run_one(spec: RunnerSpec, images: np.ndarray, args) -> dict:
    """Train one runner for its budget of training seconds, scoring it along the way."""
    aigc_course.seed_everything(args.seed, num_threads=args.threads)
    t0 = time.perf_counter()
    runner = spec.factory(images, batch_size=args.batch_size, seed=args.seed)
    setup_s = time.perf_counter() - t0
    seconds = args.baseline_seconds if spec.baseline else args.seconds
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    trained_s = cpu_s = wall_s = 0.0
    history = []
    for target in evaluation_times(seconds, args.eval_every, args.checkpoints):
        wall, cpu = time.perf_counter(), time.process_time()
        runner.train_for(target - trained_s, clock=clock)
        # The clocks run during training only, never while samples are scored.
        wall_s += time.perf_counter() - wall
        cpu_s += time.process_time() - cpu
        trained_s = cpu_s if args.clock == "cpu" else wall_s
        drawn = time.perf_counter()
        samples = runner.sample(args.samples, seed=args.seed + 1)
        # wall clock: what a reader waits for the images
        sample_s = time.perf_counter() - drawn
        scores = evaluate_samples(samples, spec.image_size)
        # a conditional runner: the labels it asked for
        asked = getattr(runner, "sample_labels", None)
        if asked is not None:
            scores["class_accuracy"] = reference_classifier(spec.image_size).accuracy(
                samples, asked
            )
        history.append(
            {
                "target_s": target,
                "train_s": trained_s,
                "cpu_s": cpu_s,
                "wall_s": wall_s,
                "steps": runner.steps,
                "sample_s": sample_s,
                **scores,
            }
        )
        print(
            f"  {spec.name:<34} {trained_s:6.1f} s  {runner.steps:6d} steps  "
            f"confident {scores['confident_fraction']:.3f}  entropy "
            f"{scores['class_entropy']:.3f}  "
            f"Frechet {scores['classifier_frechet_distance']:.2f}  sampling "
            f"{sample_s:.2f} s"
            + (
                f"  class accuracy {scores['class_accuracy']:.3f}"
                if asked is not None
                else ""
            ),
            flush=True,
        )
    time_to_bar = {}
    for confident in args.bar_confident:
        reached = next((h for h in history if meets_bar(h, confident, args)), None)
        time_to_bar[bar_name(confident)] = reached["train_s"] if reached else None
    # a tuned runner may bring its own
    batch_size = getattr(runner, "batch_size", args.batch_size)
    steps_per_epoch = len(images) // batch_size
    return {
        "name": spec.name,
        "model": spec.model,
        "framework": spec.framework,
        "image_size": spec.image_size,
        "baseline": spec.baseline,
        "description": spec.description,
        "setup_s": setup_s,
        "train_s": trained_s,
        "cpu_s": cpu_s,
        "wall_s": wall_s,
        "steps": runner.steps,
        "batch_size": batch_size,
        "ms_per_step": 1000.0 * trained_s / max(runner.steps, 1),
        "sample_s": history[-1]["sample_s"],
        "s_per_epoch": trained_s * steps_per_epoch / max(runner.steps, 1),
        # {confident bar: seconds, or None if not reached}
        "time_to_bar_s": time_to_bar,
        "history": history,
    }


# One process per job: each keeps its own framework threads, data and classifier.
_WORKER_IMAGES: dict[int, np.ndarray] = {}


def _worker_init(args) -> None:
    # before any model: fixes TF's threads
    aigc_course.seed_everything(args.seed, num_threads=args.threads)


def _images(image_size: int) -> np.ndarray:
    """The training digits at ``image_size``, in [-1, 1]; the first call also trains
    that size's reference classifier, so neither is timed as part of a runner."""
    if image_size not in _WORKER_IMAGES:
        _WORKER_IMAGES[image_size], _ = load_digits(
            image_size, split="train", scale="tanh"
        )
        reference_classifier(image_size)
    return _WORKER_IMAGES[image_size]


def _worker_run(name: str, args) -> dict:
    spec = RUNNERS[name]
    return run_one(spec, _images(spec.image_size), args)


def _ceilings(sizes) -> dict[int, dict]:
    return {size: real_data_ceiling(size) for size in sorted(sizes)}


def run_all(specs: list[RunnerSpec], args) -> tuple[list[dict], dict[int, dict]]:
    """Every runner's result, in the order of ``specs``, ``args.jobs`` at a time; and
    what real digits score, per resolution."""
    if args.jobs == 1:
        _worker_init(args)
        return [
            run_one(spec, _images(spec.image_size), args) for spec in specs
        ], _ceilings({s.image_size for s in specs})
    import concurrent.futures
    import multiprocessing

    # Longest first (a baseline), so that the jobs end together.
    order = sorted(
        specs,
        key=lambda spec: -(args.baseline_seconds if spec.baseline else args.seconds),
    )
    # fresh processes: TensorFlow fixes its threads at start
    context = multiprocessing.get_context("spawn")
    workers = min(args.jobs, len(specs))
    with concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_init, initargs=(args,)
    ) as pool:
        futures = {
            spec.name: pool.submit(_worker_run, spec.name, args) for spec in order
        }
        # last, by a worker whose classifiers are ready
        ceilings = pool.submit(_ceilings, {spec.image_size for spec in specs})
        return [futures[spec.name].result() for spec in specs], ceilings.result()


def at_checkpoint(result: dict, checkpoint: float) -> dict:
    """The evaluation made at ``checkpoint`` seconds of training."""
    return min(result["history"], key=lambda h: abs(h["target_s"] - checkpoint))


def add_ratios(results: list[dict]) -> None:
    """``speedup[bar]``: baseline time to the bar / this runner's, for runners of the
    baseline's model.

    ``speedup_is_lower_bound[bar]`` is true where the baseline had not reached
    the bar when its budget ran out (the ratio uses its whole budget).
    """
    baselines = {r["model"]: r for r in results if r["baseline"]}
    for r in results:
        base = baselines.get(r["model"])
        r["speedup"], r["speedup_is_lower_bound"] = {}, {}
        for bar, seconds in r["time_to_bar_s"].items():
            if r["baseline"] or base is None or seconds is None:
                r["speedup"][bar] = r["speedup_is_lower_bound"][bar] = None
            elif base["time_to_bar_s"][bar] is not None:
                r["speedup"][bar], r["speedup_is_lower_bound"][bar] = (
                    base["time_to_bar_s"][bar] / seconds,
                    False,
                )
            else:
                r["speedup"][bar], r["speedup_is_lower_bound"][bar] = (
                    base["train_s"] / seconds,
                    True,
                )


def _quality(h: dict) -> str:
    # a conditional runner's
    accuracy = f" acc {h['class_accuracy']:.2f}" if "class_accuracy" in h else ""
    scores = (
        h["confident_fraction"],
        h["class_entropy"],
        h["classifier_frechet_distance"],
    )
    return "/".join(f"{x:.2f}" for x in scores) + accuracy


def format_table(results: list[dict], ceilings: dict[int, dict], args) -> str:
    bars = [bar_name(c) for c in args.bar_confident]
    head = ["runner", "px", "batch", "ms/step", "s/epoch", "steps", "sample (s)"]
    head += [f"@{c:g}s conf/ent/FD" for c in args.checkpoints] + ["end conf/ent/FD"]
    head += [f"to {b} (s)" for b in bars] + [f"speedup {b}" for b in bars]
    rows = []
    for r in results:
        row = [
            r["name"] + (" *" if r["baseline"] else ""),
            str(r["image_size"]),
            str(r["batch_size"]),
            f"{r['ms_per_step']:.1f}",
            f"{r['s_per_epoch']:.2f}",
            str(r["steps"]),
            f"{r['sample_s']:.2f}",
        ]
        row += [_quality(at_checkpoint(r, c)) for c in args.checkpoints]
        row.append(f"{_quality(r['history'][-1])} @{r['train_s']:.0f}s")
        for b in bars:
            t = r["time_to_bar_s"][b]
            row.append(f"{t:.1f}" if t is not None else f"> {r['train_s']:.0f}")
        for b in bars:
            ratio = r["speedup"][b]
            if ratio is None:
                row.append("baseline" if r["baseline"] else "-")
            else:
                row.append(
                    (">= " if r["speedup_is_lower_bound"][b] else "") + f"{ratio:.1f}x"
                )
        rows.append(row)
    for size, ceiling in ceilings.items():
        rows.append(
            [f"real digits (ceiling, {size}x{size})", str(size), "", "", "", "", ""]
            + [_quality(ceiling)] * (len(args.checkpoints) + 1)
            + [""] * (2 * len(bars))
        )
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: " | ".join(
        str(c).ljust(w) for c, w in zip(cells, widths)
    ).rstrip()  # noqa: E731
    out = [line(head), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows]
    out.append(
        f"* baseline.  conf: fraction of {args.samples} samples classified with "
        "confidence >= 0.9; ent: class "
        "entropy (nats, max 2.30); FD: Frechet distance on the course classifier's "
        "features (not FID).\n"
        f"Bars: conf >= {', '.join(bars)} with ent >= {args.bar_entropy:g}, checked "
        f"every {args.eval_every:g} s of training; "
        "speedup = baseline seconds / runner seconds to the bar (>= : the baseline "
        "never reached it; - : the runner never did).\n"
        f"Seconds are {'process CPU' if args.clock == 'cpu' else 'wall-clock'} "
        f"seconds of training, {args.threads} thread(s), "
        f"{min(args.jobs, len(results))} runner(s) at a time; s/epoch at the runner's "
        "batch size; px: resolution; sample: wall "
        f"seconds to draw the last evaluation's {args.samples} digits."
    )
    out += framework_ratios(results)
    share = sum(r["cpu_s"] for r in results) / max(
        sum(r["wall_s"] for r in results), 1e-9
    )
    out.append(
        f"Training used {share:.2f} CPU seconds per wall second"
        + (
            " (under 0.8 with one thread: other programs were using the machine)."
            if args.threads == 1 and share < 0.8
            else "."
        )
    )
    return "\n".join(out)


def framework_ratios(results: list[dict]) -> list[str]:
    """Keras / PyTorch seconds per epoch for each pair of runners that differ only in
    the framework."""
    by_name = {r["name"]: r for r in results}
    lines = []
    for r in results:
        model, _, variant = r["name"].partition("/")
        if not variant.startswith("keras-"):
            continue
        twin = by_name.get(f"{model}/torch-{variant[len('keras-') :]}")
        if twin is None:
            continue
        note = (
            "" if twin["batch_size"] == r["batch_size"] else " (different batch sizes)"
        )
        lines.append(
            f"  {r['name']} / {twin['name']}: "
            f"{r['s_per_epoch'] / twin['s_per_epoch']:.2f} "
            f"({r['s_per_epoch']:.2f} / {twin['s_per_epoch']:.2f} s per epoch){note}"
        )
    return ["Keras / PyTorch seconds per epoch:"] + lines if lines else []


def plot(
    results: list[dict], ceilings: dict[int, dict], args, path: pathlib.Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("confident_fraction", "confident fraction (>= 0.9)", args.bar_confident),
        ("class_entropy", "class entropy (nats)", [args.bar_entropy]),
        ("classifier_frechet_distance", "classifier Fréchet distance", None),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, (key, label, bar) in zip(axes, panels):
        for r in results:
            t = [h["train_s"] for h in r["history"]]
            ax.plot(
                t,
                [h[key] for h in r["history"]],
                marker=".",
                label=r["name"],
                lw=2.5 if r["baseline"] else 1.5,
            )
        for size, ceiling in ceilings.items():
            ax.axhline(
                ceiling[key],
                color="k",
                ls=":",
                lw=1,
                label=f"real digits, {size}x{size}",
            )
        for i, level in enumerate(bar or []):
            ax.axhline(
                level,
                color="r",
                ls="--",
                lw=1,
                alpha=0.4 + 0.6 * (i == len(bar) - 1),
                label="quality bars" if i == 0 else None,
            )
        if key == "classifier_frechet_distance":
            ax.set_yscale("log")
        ax.set_xlabel(f"training seconds ({args.clock})")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Time to quality, {args.threads} thread(s), {args.clock} seconds")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for spec in RUNNERS.values():
            flags = ", ".join(
                f
                for f, on in (("baseline", spec.baseline), ("default", spec.default))
                if on
            )
            print(
                f"{spec.name:<36} {spec.description}" + (f" [{flags}]" if flags else "")
            )
        return 0
    specs = select_runners(args)
    started = time.perf_counter()
    jobs = min(args.jobs, len(specs))
    print(
        f"{len(specs)} runner(s), {args.seconds:g} {args.clock} s of training each (a "
        f"baseline {args.baseline_seconds:g} s), "
        f"{args.threads} thread(s), {jobs} at a time",
        flush=True,
    )
    load_start = os.getloadavg()
    results, ceilings = run_all(specs, args)
    load_end = os.getloadavg()
    for size, ceiling in ceilings.items():
        print(
            f"real {size}x{size} digits score confident "
            f"{ceiling['confident_fraction']:.3f}, entropy "
            f"{ceiling['class_entropy']:.3f}, "
            f"Frechet {ceiling['classifier_frechet_distance']:.3f} (classifier "
            f"accuracy {ceiling['accuracy']:.3f})"
        )
    add_ratios(results)
    table = format_table(results, ceilings, args)
    print()
    print(table)
    wall_s = time.perf_counter() - started
    # Other programs slow the run down (wall time) and, less, the runners' CPU seconds
    # (shared caches).
    load = (
        f"load average {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the "
        f"end (1-minute), on {os.cpu_count()} CPU(s)"
    )
    print(f"\nwall time {wall_s:.0f} s; {load}")

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    record = {
        "created": stamp,
        "command": " ".join(
            [
                os.path.basename(sys.executable),
                "-m",
                "benchmarks.time_to_quality",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "settings": {
            k: (str(v) if isinstance(v, pathlib.Path) else v)
            for k, v in vars(args).items()
        },
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "wall_s": wall_s,
        "load_average": {"start": load_start, "end": load_end},
        "ceilings": {str(size): ceiling for size, ceiling in ceilings.items()},
        "results": results,
        "table": table,
    }
    json_path = args.out / f"time_to_quality-{stamp}.json"
    json_path.write_text(json.dumps(record, indent=1))
    print(f"wrote {json_path}")
    if not args.no_plot:
        png_path = json_path.with_suffix(".png")
        plot(results, ceilings, args, png_path)
        print(f"wrote {png_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
