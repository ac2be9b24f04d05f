"""Keras models take their optimizers in ``compile``, as keras-io's examples do, and the
course's trainer trains with whatever the model was compiled with."""

import keras
import numpy as np
import pytest
from _model_cases import build_gan, digits

from aigc_course import keras as kac
from aigc_course import seed_everything


def test_gan_defaults_are_the_constructors_settings():
    seed_everything(0)
    gan = build_gan(kac, "mlp")
    d_opt, g_opt = gan.optimizers()["d_optimizer"], gan.optimizers()["g_optimizer"]
    assert isinstance(d_opt, keras.optimizers.Adam)
    assert isinstance(g_opt, keras.optimizers.Adam)
    assert float(d_opt.learning_rate) == pytest.approx(gan.d_learning_rate)
    assert float(g_opt.learning_rate) == pytest.approx(gan.learning_rate)
    assert d_opt.beta_1 == g_opt.beta_1 == gan.beta_1
    assert d_opt.epsilon == g_opt.epsilon == 1e-8  # PyTorch's, as the twin


def test_gan_trains_with_the_optimizers_given_to_compile():
    seed_everything(0)
    gan = build_gan(kac, "mlp")
    d_opt = keras.optimizers.SGD(0.05)
    g_opt = keras.optimizers.SGD(0.01)
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt)
    assert gan.optimizers() == {"d_optimizer": d_opt, "g_optimizer": g_opt}
    kac.train(gan, digits(8, n=64), steps=3, batch_size=16)
    assert int(d_opt.iterations) == 3 and int(g_opt.iterations) == 3


def test_gan_compile_refuses_what_is_not_an_optimizer():
    seed_everything(0)
    gan = build_gan(kac, "mlp")
    with pytest.raises(TypeError, match="d_optimizer must be a keras.optimizers"):
        gan.compile(d_optimizer="adam")
    with pytest.raises(TypeError, match="g_optimizer must be a keras.optimizers"):
        gan.compile(g_optimizer=0.001)
    shared = keras.optimizers.Adam(1e-3)
    with pytest.raises(ValueError, match="two optimizers"):
        gan.compile(d_optimizer=shared, g_optimizer=shared)


def test_single_optimizer_model_trains_with_its_compiled_optimizer():
    seed_everything(0)
    vae = kac.VAE(image_size=8, latent_dim=2, learning_rate=3e-3)
    default = vae.optimizers()["optimizer"]
    assert isinstance(default, keras.optimizers.Adam)
    assert float(default.learning_rate) == pytest.approx(3e-3)
    # Plain SGD moves each weight by exactly -lr * gradient: a zero learning rate
    # must leave every weight where it was.
    frozen = keras.optimizers.SGD(0.0)
    vae.compile(optimizer=frozen)
    before = [v.numpy() for v in vae.trainable_variables]
    kac.train(vae, digits(8, n=64, scale="unit"), steps=2, batch_size=32)
    assert int(frozen.iterations) == 2
    after = [v.numpy() for v in vae.trainable_variables]
    assert all(np.array_equal(b, a) for b, a in zip(before, after))
    with pytest.raises(TypeError, match="optimizer must be a keras.optimizers"):
        vae.compile(optimizer="sgd")


def test_tinygpt_compile_default_is_adamw_over_trainable_weights():
    seed_everything(0)
    from aigc_course.data import text

    tok = text.CharTokenizer()
    gpt = kac.TinyGPT(tok, block_size=8, n_layer=1, n_head=2, n_embd=8)
    opt = gpt.optimizers()["optimizer"]
    assert isinstance(opt, keras.optimizers.AdamW)
    with pytest.raises(TypeError, match="optimizer must be a keras.optimizers"):
        gpt.compile(optimizer=None.__class__)
