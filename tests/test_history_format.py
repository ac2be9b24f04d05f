"""Every trainer, in both frameworks, returns its history in the one format of
``aigc_course.core.training``: equal-length lists, one entry per record, ``step``
counting the optimisation steps done at each record."""

import numpy as np
import pytest
from _model_cases import build_gan, digits

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac
from aigc_course.book import parity
from aigc_course.core import training
from aigc_course.data import ring_of_gaussians, text
from aigc_course.evaluation import imaging
from aigc_course.keras import style as kstyle
from aigc_course.keras import toy as ktoy
from aigc_course.torch import style as tstyle
from aigc_course.torch import toy as ttoy

FRAMEWORKS = pytest.mark.parametrize("ac", [tac, kac], ids=["torch", "keras"])


def assert_history(history, steps, keys):
    """``history`` has ``keys`` besides ``step``, recorded at ``steps``."""
    assert set(history) == {"step", *keys}, sorted(history)
    assert history["step"] == steps
    assert all(type(s) is int for s in history["step"])
    for key in keys:
        assert len(history[key]) == len(steps), key
        assert all(type(v) is float for v in history[key]), key
        assert np.isfinite(history[key]).all(), key


@FRAMEWORKS
def test_train_records_each_epoch_end(ac):
    seed_everything(0)
    # 64 images in batches of 16: epochs of 4 steps, the last one short
    history = ac.train(build_gan(ac, "mlp"), digits(8, n=64), steps=10, batch_size=16)
    assert_history(history, [4, 8, 10], ["d_loss", "g_loss", "d_real", "d_fake"])


@FRAMEWORKS
def test_train_lm_records_every_eval_every_steps(ac):
    seed_everything(0)
    tok = text.CharTokenizer()
    ids = tok.encode(text.limerick_corpus(20))
    model = ac.TinyGPT(tok, block_size=8, n_layer=1, n_head=2, n_embd=8)
    history = ac.train_lm(
        model, ids, steps=7, batch_size=4, eval_every=3, valid_ids=ids[:200]
    )
    assert_history(history, [3, 6, 7], ["loss", "val_loss"])


@FRAMEWORKS
def test_train_points_records_every_step(ac):
    seed_everything(0)
    points, _ = ring_of_gaussians(128, seed=0)
    model = ac.DDPM(dim=2, hidden=16, blocks=1)
    history = ac.train_points(model, points, steps=3, batch_size=32)
    assert_history(history, [1, 2, 3], ["loss"])


@pytest.mark.parametrize("toy", [ttoy, ktoy], ids=["torch", "keras"])
def test_toy_gan_records_every_round(toy):
    seed_everything(0)
    points, _ = ring_of_gaussians(128, seed=0)
    g, d = toy.ToyGenerator(2, 8), toy.ToyDiscriminator(8)
    history = toy.train_toy_gan(g, d, points, steps=3, batch_size=32)
    assert_history(history, [1, 2, 3], list(training.TOY_GAN_KEYS))


def test_transfer_style_records_every_step():
    content, style = (
        imaging.load_photo("china.jpg", 16),
        imaging.load_photo("flower.jpg", 16),
    )
    seed_everything(0)
    t, k = (
        tstyle.FeatureExtractor(channels=(4,)),
        kstyle.FeatureExtractor(channels=(4,)),
    )
    parity.copy_torch_to_keras(t, k)
    kwargs = dict(steps=3, style_layers=(0,), content_layers=(0,))
    for module, extractor in ((tstyle, t), (kstyle, k)):
        _, history = module.transfer_style(
            content, style, extractor=extractor, **kwargs
        )
        assert_history(history, [1, 2, 3], ["loss", "content_loss", "style_loss"])


def test_checkpoints_keep_steps_as_whole_numbers():
    state = training.history_state({"step": [4, 8], "loss": [np.float32(0.5), 1]})
    assert state == {"step": [4, 8], "loss": [0.5, 1.0]}
    assert [type(s) for s in state["step"]] == [int, int]
