"""Rows of the bad-input table for the trainers, ``fit`` and checkpoint files, in both
frameworks."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from _bad_input import Case
from _model_cases import build_gan, digits

from aigc_course import keras as kac
from aigc_course import torch as tac
from aigc_course.data import text

FRAMEWORKS = [("torch", tac, ".pt"), ("keras", kac, ".weights.h5")]
TOK = text.CharTokenizer()


def _tmp(name: str) -> Path:
    return Path(tempfile.mkdtemp()) / name


def _gan(ac, **kwargs):
    return build_gan(ac, "mlp", **kwargs)


def _saved(ac, suffix: str, model=None) -> Path:
    """A real checkpoint of a small GAN (or of ``model``)."""
    path = _tmp("model" + suffix)
    ac.save_checkpoint(model if model is not None else _gan(ac), path)
    return path


def _written(suffix: str, data: bytes) -> Path:
    path = _tmp("bad" + suffix)
    path.write_bytes(data)
    return path


def _truncated(ac, suffix: str) -> Path:
    good = _saved(ac, suffix).read_bytes()
    return _written(suffix, good[: len(good) // 2])


def _other_framework(name: str, suffix: str) -> Path:
    """A real checkpoint of the other framework, under this framework's file name."""
    other, other_suffix = (kac, ".weights.h5") if name == "torch" else (tac, ".pt")
    return _written(suffix, _saved(other, other_suffix).read_bytes())


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def _resumed_with(ac, suffix: str, **changed):
    """Train 1 step with a checkpoint, then resume with one argument changed."""
    path = _tmp("run" + suffix)
    images = digits(8, n=64)
    args = dict(steps=1, batch_size=32, seed=0)
    ac.train(_gan(ac), images, checkpoint=path, **args)
    ac.train(
        _gan(ac),
        images[: changed.pop("n", 64)],
        checkpoint=path,
        resume=True,
        **(args | changed),
    )


def _lm_resumed_with(ac, suffix: str, **changed):
    path = _tmp("lm" + suffix)
    ids = TOK.encode(text.limerick_corpus(5))
    model = ac.TinyGPT(TOK, block_size=8, n_layer=1, n_head=1, n_embd=8)
    args = dict(steps=1, batch_size=2, eval_every=1, seed=0)
    ac.train_lm(model, ids, checkpoint=path, **args)
    ac.train_lm(
        model, ids, checkpoint=path, resume=True, **(args | {"steps": 2} | changed)
    )


def _rows(name, ac, suffix):
    x = digits(8, n=32)
    unit = digits(8, n=32, scale="unit")
    nan = x.copy()
    nan[0, 0, 0] = np.nan
    return [
        # the trainer's own arguments
        Case(
            f"{name}-train-model-none",
            lambda: ac.train(None, x),
            TypeError,
            r"model must be a trainable",
        ),
        Case(
            f"{name}-train-model-generator",
            lambda: ac.train(ac.MLPGenerator(8), x),
            TypeError,
            r"model must be .*MLPGenerator",
        ),
        Case(
            f"{name}-train-seed-negative",
            lambda: ac.train(_gan(ac), x, seed=-1),
            ValueError,
            r"seed must be an integer >= 0, got -1",
        ),
        Case(
            f"{name}-train-seed-string",
            lambda: ac.train(_gan(ac), x, seed="0"),
            ValueError,
            r"seed must be an integer >= "
            r"0, got '0'",
        ),
        Case(
            f"{name}-train-on-samples-int",
            lambda: ac.train(_gan(ac), x, on_samples=5),
            TypeError,
            r"on_samples must be a function",
        ),
        Case(
            f"{name}-train-resume-string",
            lambda: ac.train(_gan(ac), x, resume="yes"),
            TypeError,
            r"resume must be True or False",
        ),
        Case(
            f"{name}-train-checkpoint-int",
            lambda: ac.train(_gan(ac), x, checkpoint=5),
            TypeError,
            r"checkpoint must be a file path",
        ),
        Case(
            f"{name}-train-verbose",
            lambda: ac.train(_gan(ac), x, verbose=-1),
            ValueError,
            r"verbose must be an integer >= 0",
        ),
        Case(
            f"{name}-train-num-samples",
            lambda: ac.train(_gan(ac), x, num_samples=0),
            ValueError,
            r"num_samples must be an integer >= 1",
        ),
        Case(
            f"{name}-train-sample-every",
            lambda: ac.train(_gan(ac), x, sample_every=0),
            ValueError,
            r"sample_every must be an integer >= 1",
        ),
        Case(
            f"{name}-train-steps-float",
            lambda: ac.train(_gan(ac), x, steps=2.5),
            ValueError,
            r"steps must be an integer >= "
            r"1, got 2.5",
        ),
        Case(
            f"{name}-train-batch-size-zero",
            lambda: ac.train(_gan(ac), x, batch_size=0),
            ValueError,
            r"batch_size must be an integer >= 1",
        ),
        Case(
            f"{name}-train-vae-uint8",
            lambda: ac.train(ac.VAE(image_size=8), (unit * 255).astype(np.uint8)),
            ValueError,
            r"images must lie in \[0.0, 1.0\]",
        ),
        Case(
            f"{name}-train-ddpm-unit-images",
            lambda: ac.train(ac.DDPM(8, hidden=8, blocks=1), unit * 255),
            ValueError,
            r"images must lie in \[-1.0, 1.0\] for this model",
        ),
        Case(
            f"{name}-train-point-model",
            lambda: ac.train(
                ac.FlowMatching(dim=2, hidden=8, blocks=1), np.zeros((8, 2))
            ),
            ValueError,
            r"model is a point model \(dim=2\): it generates points, not images; "
            r"train it with train_points",
        ),
        # the model's own fit goes through the same checks
        Case(
            f"{name}-fit-vae-uint8",
            lambda: ac.VAE(image_size=8).fit((unit * 255).astype(np.uint8)),
            ValueError,
            r"images must lie in \[0.0, 1.0\]",
        ),
        Case(
            f"{name}-fit-gan-nan",
            lambda: _gan(ac).fit(nan),
            ValueError,
            r"images contains 1 NaN",
        ),
        Case(
            f"{name}-fit-keras-only-argument",
            lambda: _gan(ac).fit(x, callbacks=[]),
            TypeError,
            r"unexpected keyword argument "
            r"'callbacks'",
            names="callbacks",
        ),
        Case(
            f"{name}-fit-labels-unconditional",
            lambda: _gan(ac).fit(x, np.zeros(32, int)),
            ValueError,
            r"labels were given but the "
            r"model is unconditional",
        ),
        # resuming a run with other data or batches
        Case(
            f"{name}-resume-batch-size",
            lambda: _resumed_with(ac, suffix, batch_size=16),
            ValueError,
            r"batch_size=32, this run has "
            r"batch_size=16",
            names="batch_size",
        ),
        Case(
            f"{name}-resume-seed",
            lambda: _resumed_with(ac, suffix, seed=1),
            ValueError,
            r"seed=0, this run has seed=1",
            names="seed",
        ),
        Case(
            f"{name}-resume-images",
            lambda: _resumed_with(ac, suffix, n=48),
            ValueError,
            r"n=64, this run has n=48.*same images",
            names="images",
        ),
        Case(
            f"{name}-resume-lm-eval-every",
            lambda: _lm_resumed_with(ac, suffix, eval_every=2),
            ValueError,
            r"eval_every=1, this run has "
            r"eval_every=2",
            names="eval_every",
        ),
        # checkpoint files: each problem gets its own message
        Case(
            f"{name}-checkpoint-missing",
            lambda: ac.load_checkpoint(_gan(ac), _tmp("none" + suffix)),
            FileNotFoundError,
            r"checkpoint not found",
        ),
        Case(
            f"{name}-checkpoint-empty",
            lambda: ac.load_checkpoint(_gan(ac), _written(suffix, b"")),
            ValueError,
            r"checkpoint .* is empty \(0 bytes\)",
        ),
        Case(
            f"{name}-checkpoint-random-bytes",
            lambda: ac.load_checkpoint(
                _gan(ac), _written(suffix, bytes(range(256)) * 8)
            ),
            ValueError,
            r"checkpoint .* is not an "
            r"aigc_course .* checkpoint "
            r"\(unknown file format\)",
        ),
        Case(
            f"{name}-checkpoint-truncated",
            lambda: ac.load_checkpoint(_gan(ac), _truncated(ac, suffix)),
            ValueError,
            r"checkpoint .* is damaged or "
            r"truncated",
        ),
        Case(
            f"{name}-checkpoint-other-framework",
            lambda: ac.load_checkpoint(_gan(ac), _other_framework(name, suffix)),
            ValueError,
            r"checkpoint .* was written "
            r"by (torch|keras), not " + name,
        ),
        Case(
            f"{name}-checkpoint-wrong-class",
            lambda: ac.load_checkpoint(
                ac.Autoencoder(image_size=8), _saved(ac, suffix, ac.VAE(image_size=8))
            ),
            ValueError,
            r"checkpoint .* was saved "
            r"from a VAE model, but model "
            r"is Autoencoder",
        ),
        Case(
            f"{name}-checkpoint-wrong-size",
            lambda: ac.load_checkpoint(
                ac.VAE(image_size=8, latent_dim=4),
                _saved(ac, suffix, ac.VAE(image_size=8, latent_dim=3)),
            ),
            ValueError,
            r"checkpoint .* does not fit "
            r"model: .* has shape",
        ),
        Case(
            f"{name}-checkpoint-ema-into-plain",
            lambda: ac.load_checkpoint(
                _gan(ac, ema_decay=0.0), _saved(ac, suffix, _gan(ac, ema_decay=0.9))
            ),
            ValueError,
            r"checkpoint .* does not fit "
            r"model: it holds weights the "
            r"model lacks",
        ),
        Case(
            f"{name}-checkpoint-plain-into-ema",
            lambda: ac.load_checkpoint(
                _gan(ac, ema_decay=0.9), _saved(ac, suffix, _gan(ac, ema_decay=0.0))
            ),
            ValueError,
            r"checkpoint .* does not fit "
            r"model: it holds no weights "
            r"for",
        ),
    ]


def _torch_only():
    def evil():
        path = _tmp("evil.pt")
        torch.save({"format": 2, "model": _Evil()}, path)
        return tac.load_checkpoint(_gan(tac), path)

    def old_format():
        path = _tmp("old.pt")
        torch.save({"format": 1, "model": {}}, path)
        return tac.load_checkpoint(_gan(tac), path)

    return [
        Case(
            "torch-checkpoint-pickled-code",
            evil,
            ValueError,
            r"checkpoint .* refused to unpickle",
        ),
        Case(
            "torch-checkpoint-old-format",
            old_format,
            ValueError,
            r"checkpoint .* of format 2 "
            r"\(found format 1\)",
        ),
    ]


def _keras_only():
    return [
        Case(
            "keras-checkpoint-name",
            lambda: kac.save_checkpoint(_gan(kac), _tmp("c.h5")),
            ValueError,
            r"checkpoint must be a file "
            r"name ending in "
            r"'.weights.h5'",
        ),
        Case(
            "keras-checkpoint-name-on-load",
            lambda: kac.load_checkpoint(_gan(kac), _tmp("c.pt")),
            ValueError,
            r"checkpoint must be a file "
            r"name ending in "
            r"'.weights.h5'",
        ),
    ]


CASES = (
    [case for name, ac, suffix in FRAMEWORKS for case in _rows(name, ac, suffix)]
    + _torch_only()
    + _keras_only()
)
