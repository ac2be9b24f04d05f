"""Seconds per epoch of the package's trainers, Keras next to PyTorch.

    # MLP GAN, DCGAN, MLP VAE; batch 64; 1 thread
    python -m benchmarks.epoch_time
    python -m benchmarks.epoch_time --models dcgan --keras-jit
    # TensorFlow with oneDNN's kernels (off in the package)
    python -m benchmarks.epoch_time --onednn
    python -m benchmarks.epoch_time --no-determinism --keras-jit
    # after 60 epochs: PyTorch meets denormal numbers
    python -m benchmarks.epoch_time --models vae --warmup 60

Each model is built with the package's defaults and trained with its own
``ac.train`` on the 1,433 training digits at 28x28 (22 steps per epoch at
batch 64).  One epoch warms up (Keras traces its step there), then
``--repeats`` calls of ``--epochs`` epochs are timed (after ``--warmup``
epochs, 1 by default); the table shows the
median seconds per epoch, in process CPU seconds (steady on a shared machine)
and wall seconds, and the Keras / PyTorch ratio of CPU seconds.

``--keras-jit`` also times Keras with XLA (``jit_compile=True`` on the model,
which the package leaves off).  Keras refuses XLA while TensorFlow's op
determinism is on, which ``seed_everything`` turns on; ``--no-determinism``
seeds without it (for the whole process), so use the two together.  ``--onednn`` sets
``TF_ENABLE_ONEDNN_OPTS=1`` before TensorFlow starts (the package sets it to 0 so that
seeded results do not depend on the thread count); it applies to the whole process.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

MODELS = ("mlp_gan", "dcgan", "vae")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.epoch_time", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument(
        "--frameworks",
        nargs="+",
        choices=("keras", "torch"),
        default=["keras", "torch"],
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--epochs", type=int, default=3, help="epochs per timed call (default 3)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timed calls; the median is reported (default 3)",
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="epochs trained before timing (default 1)"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--keras-jit",
        action="store_true",
        help="also time Keras with jit_compile=True (XLA)",
    )
    parser.add_argument(
        "--onednn", action="store_true", help="TF_ENABLE_ONEDNN_OPTS=1 for this process"
    )
    parser.add_argument(
        "--no-determinism",
        action="store_true",
        help="seed without TensorFlow's op determinism (needed for XLA)",
    )
    return parser.parse_args(argv)


def build(ac, model: str):
    if model == "mlp_gan":
        return ac.GAN(ac.MLPGenerator(28), ac.MLPDiscriminator(28)), "tanh"
    if model == "dcgan":
        return ac.GAN(ac.DCGANGenerator(28), ac.DCGANDiscriminator(28)), "tanh"
    return ac.VAE(28), "unit"


def time_epochs(ac, net, images, args) -> tuple[float, float]:
    """Median (CPU, wall) seconds per epoch over ``args.repeats`` calls of
    ``args.epochs`` epochs."""
    # warm-up (Keras traces here)
    ac.train(net, images, epochs=args.warmup, batch_size=args.batch_size, seed=0)
    cpu, wall = [], []
    for repeat in range(args.repeats):
        c, w = time.process_time(), time.perf_counter()
        ac.train(
            net, images, epochs=args.epochs, batch_size=args.batch_size, seed=repeat + 1
        )
        cpu.append((time.process_time() - c) / args.epochs)
        wall.append((time.perf_counter() - w) / args.epochs)
    return statistics.median(cpu), statistics.median(wall)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.onednn:
        # read once, when TensorFlow is imported
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
    import aigc_course
    from aigc_course.data import load_digits
    from benchmarks.runners import package

    aigc_course.seed_everything(
        0, num_threads=args.threads, deterministic=not args.no_determinism
    )
    data = {
        scale: load_digits(28, split="train", scale=scale)[0]
        for scale in ("tanh", "unit")
    }
    variants = [(f, False) for f in args.frameworks] + (
        [("keras", True)] if args.keras_jit and "keras" in args.frameworks else []
    )
    rows = []
    for model in args.models:
        for framework, jit in variants:
            aigc_course.seed_everything(
                0, num_threads=args.threads, deterministic=not args.no_determinism
            )
            ac = package(framework)
            net, scale = build(ac, model)
            if jit:
                # before the first fit, so the step is traced with XLA
                net.jit_compile = True
                if not net.jit_compile:
                    raise SystemExit(
                        "Keras refused jit_compile=True (op determinism "
                        "is on): add --no-determinism"
                    )
            cpu, wall = time_epochs(ac, net, data[scale], args)
            name = (
                framework
                + (" + XLA" if jit else "")
                + (" + oneDNN" if args.onednn and framework == "keras" else "")
            )
            name += " (nondet.)" if args.no_determinism else ""
            rows.append((model, name, cpu, wall))
            print(
                f"  {model:<8} {name:<20} {cpu:6.3f} CPU s/epoch  {wall:6.3f} wall "
                "s/epoch",
                flush=True,
            )
    steps = len(data["tanh"]) // args.batch_size
    print(
        f"\nbatch {args.batch_size} ({steps} steps per epoch), {args.threads} "
        "thread(s); "
        f"median of {args.repeats} x {args.epochs} epochs after {args.warmup} warm-up "
        "epoch(s)"
    )
    print(
        f"{'model':<8} | {'trainer':<20} | CPU s/epoch | wall s/epoch | ms/step "
        "(CPU) | Keras/PyTorch (CPU)"
    )
    for model, name, cpu, wall in rows:
        torch_cpu = next(
            (c for m, n, c, _ in rows if m == model and n.startswith("torch")), None
        )
        ratio = (
            f"{cpu / torch_cpu:.2f}"
            if torch_cpu and not name.startswith("torch")
            else ""
        )
        print(
            f"{model:<8} | {name:<20} | {cpu:11.3f} | {wall:12.3f} | "
            f"{1000 * cpu / steps:13.1f} | {ratio}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
