"""Train small models, stopping inside an epoch, and write their final state for
tests/test_resume.py.

    python tests/resume_probe.py FRAMEWORK PHASE DIR

PHASE ``first`` trains each model for a budget that ends inside an epoch (or
between two records) with a checkpoint, then, separately, for the whole budget
straight; PHASE ``resumed`` (run in a fresh process) continues from each
checkpoint to the whole budget.  Each run leaves ``DIR/<model>-<run>.npz``:
every weight, every optimizer variable, a sample, and the history.
"""

from __future__ import annotations

import importlib
import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from _model_cases import build_gan, digits  # noqa: E402

from aigc_course import seed_everything  # noqa: E402
from aigc_course.data import text

IMAGES = 96  # batch 32: 3 steps per epoch
# optimisation steps: stop one step into epoch 2, finish one step into epoch 3
SHORT, WHOLE = 4, 7
LM_SHORT, LM_WHOLE, LM_EVERY = 5, 9, 3  # stop between records 3 and 6
TOK = text.CharTokenizer()

MODELS = {  # name -> (builder, pixel scale, conditional)
    "gan": (lambda ac: build_gan(ac, "mlp"), "tanh", False),
    "gan_ema": (
        lambda ac: build_gan(ac, "dcgan", ema_decay=0.9, d_learning_rate=1e-3),
        "tanh",
        False,
    ),
    "cgan": (lambda ac: build_gan(ac, "cond_mlp"), "tanh", True),
    "vae": (lambda ac: ac.VAE(image_size=8, architecture="conv"), "unit", False),
    "cvae": (lambda ac: ac.ConditionalVAE(image_size=8, latent_dim=3), "unit", True),
    "gpt": (
        lambda ac: ac.TinyGPT(
            TOK, block_size=16, n_layer=1, n_head=2, n_embd=16, dropout=0.1
        ),
        None,
        False,
    ),
    "ddpm": (
        lambda ac: ac.DDPM(
            image_size=8, timesteps=50, hidden=16, blocks=1, ema_decay=0.9
        ),
        "tanh",
        False,
    ),
    "cflow": (
        lambda ac: ac.FlowMatching(image_size=8, num_classes=10, hidden=16, blocks=1),
        "tanh",
        True,
    ),
}


def run(ac, name: str, steps: int, checkpoint: pathlib.Path | None, resume: bool):
    builder, scale, conditional = MODELS[name]
    seed_everything(0)
    model = builder(ac)
    if name == "gpt":
        ids = TOK.encode(text.limerick_corpus(20))
        history = ac.train_lm(
            model,
            ids,
            steps=steps,
            batch_size=4,
            eval_every=LM_EVERY,
            seed=3,
            checkpoint=checkpoint,
            resume=resume,
        )
        return (
            model,
            history,
            np.frombuffer(model.generate("a", 12, seed=1).encode(), np.uint8),
        )
    images, labels = digits(8, n=IMAGES, scale=scale, with_labels=True)
    history = ac.train(
        model,
        images,
        labels if conditional else None,
        steps=steps,
        batch_size=32,
        seed=3,
        checkpoint=checkpoint,
        resume=resume,
    )
    return model, history, model.sample(8, seed=1)


def state(framework: str, model) -> dict[str, np.ndarray]:
    """Every weight and optimizer variable of ``model``, by position."""
    arrays = {}
    if framework == "torch":
        arrays |= {
            f"w:{k}": v.detach().cpu().numpy() for k, v in model.state_dict().items()
        }
        optimizers = (
            model.optimizers()
            if hasattr(model, "optimizers")
            else {"optimizer": model.optimizer}
        )
        for name, opt in optimizers.items():
            for i, slots in opt.state_dict()["state"].items():
                arrays |= {f"o:{name}:{i}:{k}": np.asarray(v) for k, v in slots.items()}
    else:
        arrays |= {f"w:{i}": np.asarray(v) for i, v in enumerate(model.weights)}
        for name in ("optimizer", "d_optimizer", "g_optimizer"):
            opt = getattr(model, name, None)
            if opt is not None:
                arrays |= {
                    f"o:{name}:{i}": np.asarray(v) for i, v in enumerate(opt.variables)
                }
    return arrays


def save(
    out: pathlib.Path, framework: str, name: str, label: str, model, history, sample
) -> None:
    np.savez(
        out / f"{framework}-{name}-{label}.npz",
        sample=sample,
        history=json.dumps(history),
        **state(framework, model),
    )


def main(framework: str, phase: str, out: str) -> None:
    out = pathlib.Path(out)
    ac = importlib.import_module(f"aigc_course.{framework}")
    suffix = ".pt" if framework == "torch" else ".weights.h5"
    for name in MODELS:
        short, whole = (LM_SHORT, LM_WHOLE) if name == "gpt" else (SHORT, WHOLE)
        checkpoint = out / f"{framework}-{name}{suffix}"
        if phase == "first":
            save(
                out, framework, name, "short", *run(ac, name, short, checkpoint, False)
            )
            save(out, framework, name, "straight", *run(ac, name, whole, None, False))
        else:
            save(
                out, framework, name, "resumed", *run(ac, name, whole, checkpoint, True)
            )


if __name__ == "__main__":
    main(*sys.argv[1:])
