"""Screen training settings of the package's MLP GAN for the time-to-quality bar.

    python -m benchmarks.tune_mlp_gan --framework torch  # every setting, 60 s each
    python -m benchmarks.tune_mlp_gan --framework keras --configs lr1e-3 lr1e-3-b128
    python -m benchmarks.tune_mlp_gan --list

Each setting is ``ac.GAN(ac.MLPGenerator(28), ac.MLPDiscriminator(28), **gan)``
trained with ``ac.train(..., batch_size=batch)``: only arguments the package
exposes, never its defaults.  The harness of :mod:`benchmarks.time_to_quality`
trains and scores it (same clock, same 1,000-sample evaluation), for
``--seconds`` CPU seconds.  One small JSON per setting and seed goes to
``benchmarks/results/tune/``; a summary table is printed at the end.

``--threads`` applies to the whole process (TensorFlow fixes its thread count
when it starts), so compare thread counts in separate runs.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

# sets TensorFlow's environment variables before any framework import
import aigc_course
from aigc_course.data import load_digits
from aigc_course.evaluation.classifier import reference_classifier
from benchmarks import time_to_quality as ttq
from benchmarks.runners import RunnerSpec, package_gan

# name -> (ac.GAN keyword arguments, batch size)
CONFIGS = {
    "default": ({}, 64),
    "lr5e-4": ({"learning_rate": 5e-4}, 64),
    "lr1e-3": ({"learning_rate": 1e-3}, 64),
    "lr2e-3": ({"learning_rate": 2e-3}, 64),
    "lr5e-4-ls0.1": ({"learning_rate": 5e-4, "label_smoothing": 0.1}, 64),
    "lr1e-3-ls0.1": ({"learning_rate": 1e-3, "label_smoothing": 0.1}, 64),
    "lr1e-3-ls0.2": ({"learning_rate": 1e-3, "label_smoothing": 0.2}, 64),
    "lr1e-3-b0.9": ({"learning_rate": 1e-3, "beta_1": 0.9}, 64),
    "lr1e-3-b0": ({"learning_rate": 1e-3, "beta_1": 0.0}, 64),
    "b32": ({}, 32),
    "lr5e-4-b32": ({"learning_rate": 5e-4}, 32),
    "lr1e-3-b32": ({"learning_rate": 1e-3}, 32),
    "lr5e-4-b128": ({"learning_rate": 5e-4}, 128),
    "lr1e-3-b128": ({"learning_rate": 1e-3}, 128),
    "lr2e-3-b128": ({"learning_rate": 2e-3}, 128),
    "lr1e-3-b256": ({"learning_rate": 1e-3}, 256),
    "lr2e-3-b256": ({"learning_rate": 2e-3}, 256),
    "lr1e-3-b128-ls0.1": ({"learning_rate": 1e-3, "label_smoothing": 0.1}, 128),
    "lr2e-3-b128-ls0.1": ({"learning_rate": 2e-3, "label_smoothing": 0.1}, 128),
    # second round: Adam without momentum (beta_1 = 0) came out best in the first
    "lr5e-4-b0": ({"learning_rate": 5e-4, "beta_1": 0.0}, 64),
    "lr2e-3-b0": ({"learning_rate": 2e-3, "beta_1": 0.0}, 64),
    "lr1e-3-b0.3": ({"learning_rate": 1e-3, "beta_1": 0.3}, 64),
    "lr1e-3-b0-ls0.1": (
        {"learning_rate": 1e-3, "beta_1": 0.0, "label_smoothing": 0.1},
        64,
    ),
    "lr5e-4-b0-b32": ({"learning_rate": 5e-4, "beta_1": 0.0}, 32),
    "lr1e-3-b0-b32": ({"learning_rate": 1e-3, "beta_1": 0.0}, 32),
    "lr1e-3-b0-b128": ({"learning_rate": 1e-3, "beta_1": 0.0}, 128),
    # third round: D at half G's step size (two time-scale updates) and an
    # exponential moving average of G's weights to sample from
    "lr1e-3-b0-ema0.995": (
        {"learning_rate": 1e-3, "beta_1": 0.0, "ema_decay": 0.995},
        64,
    ),
    "lr1e-3-b0-d5e-4": (
        {"learning_rate": 1e-3, "beta_1": 0.0, "d_learning_rate": 5e-4},
        64,
    ),
    "lr1e-3-b0-d5e-4-ema0.99": (
        {
            "learning_rate": 1e-3,
            "beta_1": 0.0,
            "d_learning_rate": 5e-4,
            "ema_decay": 0.99,
        },
        64,
    ),
    "lr1e-3-b0-d5e-4-ema0.995": (
        {
            "learning_rate": 1e-3,
            "beta_1": 0.0,
            "d_learning_rate": 5e-4,
            "ema_decay": 0.995,
        },
        64,
    ),
    "lr1e-3-b0-d5e-4-ema0.998": (
        {
            "learning_rate": 1e-3,
            "beta_1": 0.0,
            "d_learning_rate": 5e-4,
            "ema_decay": 0.998,
        },
        64,
    ),
    "lr1e-3-b0-d3e-4-ema0.995": (
        {
            "learning_rate": 1e-3,
            "beta_1": 0.0,
            "d_learning_rate": 3e-4,
            "ema_decay": 0.995,
        },
        64,
    ),
    "lr1.5e-3-b0-d5e-4-ema0.995": (
        {
            "learning_rate": 1.5e-3,
            "beta_1": 0.0,
            "d_learning_rate": 5e-4,
            "ema_decay": 0.995,
        },
        64,
    ),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tune_mlp_gan", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--framework", choices=("keras", "torch"), default="torch")
    parser.add_argument(
        "--configs",
        nargs="+",
        metavar="NAME",
        help="settings to run (default: all); see --list",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="CPU seconds of training per setting (default 60)",
    )
    parser.add_argument("--eval-every", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=pathlib.Path, default=ttq.RESULTS_DIR / "tune")
    parser.add_argument("--list", action="store_true")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for name, (gan, batch) in CONFIGS.items():
            print(f"{name:<22} batch {batch:<4} {gan}")
        return 0
    names = args.configs or list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        raise SystemExit(f"unknown setting(s) {unknown}; see --list")
    checkpoints = [c for c in (15.0, 30.0, 60.0, 90.0) if c <= args.seconds] or [
        args.seconds
    ]
    harness = ttq.parse_args(
        [
            "--seconds",
            str(args.seconds),
            "--eval-every",
            str(args.eval_every),
            "--threads",
            str(args.threads),
            "--checkpoints",
            *map(str, checkpoints),
        ]
    )
    aigc_course.seed_everything(0, num_threads=args.threads)
    images, _ = load_digits(28, split="train", scale="tanh")
    reference_classifier(28)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        gan, batch = CONFIGS[name]
        for seed in args.seeds:
            spec = RunnerSpec(
                f"{args.framework}/{name}", "mlp_gan", args.framework,
                lambda images, *, batch_size, seed, gan=gan, batch=batch: package_gan(
                    args.framework, images, batch_size=batch, seed=seed, **gan
                ),
            )  # fmt: skip
            harness.seed = seed
            result = ttq.run_one(spec, images, harness)
            record = {
                "framework": args.framework,
                "config": name,
                "gan": gan,
                "batch_size": batch,
                "seed": seed,
                "threads": args.threads,
                "created": time.strftime("%Y%m%d-%H%M%S"),
                **result,
            }
            path = args.out / f"{args.framework}-{name}-seed{seed}-t{args.threads}.json"
            path.write_text(json.dumps(record, indent=1))
            rows.append(record)
    print(
        f"\n{'setting':<22} seed  ms/step  "
        + "  ".join(f"@{c:g}s conf/ent/FD" for c in checkpoints)
        + "  best conf@ent>=2.2  to 0.85"
    )
    for r in rows:
        cells = [ttq._quality(ttq.at_checkpoint(r, c)) for c in checkpoints]
        ok = [
            h["confident_fraction"] for h in r["history"] if h["class_entropy"] >= 2.2
        ]
        to_bar = r["time_to_bar_s"]["0.85"]
        print(
            f"{r['config']:<22} "
            f"{r['seed']:<5} "
            f"{r['ms_per_step']:7.1f}  "
            + "  ".join(f"{c:<17}" for c in cells)
            + f"  {max(ok, default=0):.3f}              "
            + (f"{to_bar:.0f}" if to_bar else "-")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
