"""Checkpoints: save / load round trips, exact resume, and divergence keeping the last
good one."""

from pathlib import Path

import numpy as np
import pytest
import torch
from _model_cases import build_gan, digits

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac

FRAMEWORKS = {"torch": (tac, "ckpt.pt"), "keras": (kac, "ckpt.weights.h5")}


def _fresh(ac, builder):
    seed_everything(0)
    return builder(ac)


BUILDERS = {
    "gan": (lambda ac: build_gan(ac, "mlp"), "tanh"),
    "gan_ema": (
        lambda ac: build_gan(ac, "dcgan", ema_decay=0.9, d_learning_rate=1e-3),
        "tanh",
    ),
    "vae": (lambda ac: ac.VAE(image_size=8, architecture="conv"), "unit"),
    "ddpm": (
        lambda ac: ac.DDPM(
            image_size=8, timesteps=50, hidden=16, blocks=1, ema_decay=0.9
        ),
        "tanh",
    ),
    "flow": (
        lambda ac: ac.FlowMatching(image_size=8, hidden=16, blocks=1, ema_decay=0.9),
        "tanh",
    ),
}


@pytest.mark.parametrize("model", sorted(BUILDERS))
@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_resume_continues_exactly(framework, model, tmp_path):
    """2 epochs, stop, reload into a fresh model, 2 more epochs == 4 epochs straight."""
    ac, name = FRAMEWORKS[framework]
    builder, scale = BUILDERS[model]
    images = digits(8, n=96, scale=scale)
    straight_model = _fresh(ac, builder)
    straight = ac.train(straight_model, images, epochs=4, batch_size=32, seed=3)
    path = tmp_path / name
    ac.train(
        _fresh(ac, builder), images, epochs=2, batch_size=32, seed=3, checkpoint=path
    )
    resumed_model = _fresh(ac, builder)
    resumed = ac.train(
        resumed_model,
        images,
        epochs=4,
        batch_size=32,
        seed=3,
        checkpoint=path,
        resume=True,
    )
    assert sorted(resumed) == sorted(straight)
    for key in straight:
        assert len(resumed[key]) == 4
        np.testing.assert_array_equal(resumed[key], straight[key], err_msg=key)
    # samples too: for "gan_ema" they come from the averaged generator, which the
    # checkpoint must carry
    np.testing.assert_array_equal(
        resumed_model.sample(8, seed=1), straight_model.sample(8, seed=1)
    )
    assert ac.load_checkpoint(_fresh(ac, builder), path) | {"history": None} == {
        "epoch": 4,
        "step": 12,
        "history": None,
    }


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_save_load_round_trip(framework, tmp_path):
    ac, name = FRAMEWORKS[framework]
    seed_everything(0)
    gan = build_gan(ac, "dcgan")
    ac.train(gan, digits(8, n=64), steps=2, batch_size=32)
    ac.save_checkpoint(gan, tmp_path / name, epoch=7, history={"d_loss": [1.0]})
    seed_everything(1)
    other = build_gan(ac, "dcgan")
    assert not np.allclose(other.sample(4), gan.sample(4))
    state = ac.load_checkpoint(other, tmp_path / name)
    # step: None, saved by hand
    assert state == {"epoch": 7, "step": None, "history": {"d_loss": [1.0]}}
    np.testing.assert_array_equal(other.sample(4), gan.sample(4))


def test_torch_checkpoint_is_safe_to_load(tmp_path):
    """Only tensors and plain containers: torch.load(..., weights_only=True) reads
    it."""
    gan = build_gan(tac, "mlp")
    tac.save_checkpoint(gan, tmp_path / "c.pt", epoch=1)
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert set(state) >= {"model", "optimizers", "epoch", "history"}
    assert set(state["optimizers"]) == {"d_optimizer", "g_optimizer"}


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_nan_loss_stops_and_keeps_last_good_checkpoint(framework, tmp_path):
    ac, name = FRAMEWORKS[framework]
    seed_everything(0)
    gan = build_gan(ac, "mlp")
    path = tmp_path / name

    # after epoch 1 is saved, break the discriminator's weights
    def poison(epoch, samples):
        if framework == "torch":
            with torch.no_grad():
                next(gan.discriminator.parameters()).fill_(float("nan"))
        else:
            w = gan.discriminator.trainable_variables[0]
            w.assign(np.full(w.shape, np.nan, dtype="float32"))

    with pytest.raises(FloatingPointError, match="epoch 2.*last good checkpoint"):
        ac.train(
            gan,
            digits(8, n=64),
            epochs=3,
            batch_size=32,
            checkpoint=path,
            on_samples=poison,
        )
    seed_everything(0)
    state = ac.load_checkpoint(build_gan(ac, "mlp"), path)
    assert state["epoch"] == 1 and np.isfinite(state["history"]["d_loss"]).all()


def test_keras_checkpoint_needs_weights_h5_name(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        kac.save_checkpoint(build_gan(kac, "mlp"), tmp_path / "c.h5")


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_an_interrupted_save_keeps_the_old_checkpoint_and_leaves_no_temporary_file(
    framework, tmp_path, monkeypatch
):
    ac, name = FRAMEWORKS[framework]
    seed_everything(0)
    gan = build_gan(ac, "mlp")
    path = ac.save_checkpoint(gan, tmp_path / name, epoch=1)
    before = path.read_bytes()

    def interrupted(target):
        def write(*args, **kwargs):
            # as if Ctrl-C came in the middle of the write
            Path(args[target]).write_bytes(b"half a file")
            raise KeyboardInterrupt

        return write

    if framework == "torch":
        monkeypatch.setattr(torch, "save", interrupted(1))  # torch.save(obj, file)
    else:
        # model.save_weights(file)
        monkeypatch.setattr(type(gan), "save_weights", interrupted(1))
    with pytest.raises(KeyboardInterrupt):
        ac.save_checkpoint(gan, path, epoch=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert path.read_bytes() == before
