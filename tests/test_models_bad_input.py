"""Bad input fails early with a ValueError naming the argument, the value and what was
expected."""

import numpy as np
import pytest
from _model_cases import build_gan, digits

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac

FRAMEWORKS = pytest.mark.parametrize("ac", [tac, kac], ids=["torch", "keras"])


@pytest.fixture(autouse=True)
def _seed():
    seed_everything(0)


@FRAMEWORKS
@pytest.mark.parametrize(
    "build, match",
    [
        (
            lambda ac: ac.MLPGenerator(latent_dim=0),
            r"latent_dim must be an integer >= "
            r"1, got 0",
        ),
        (
            lambda ac: ac.VAE(latent_dim=-2),
            r"latent_dim must be an integer >= 1, got "
            r"-2",
        ),
        (
            lambda ac: ac.DCGANGenerator(image_size=10),
            r"image_size must be a multiple "
            r"of 4.*got 10",
        ),
        (
            lambda ac: ac.VAE(image_size=8, architecture="resnet"),
            r"architecture must be one of "
            r"'mlp', 'conv'; got 'resnet'",
        ),
        (
            lambda ac: ac.VAE(image_size=8, likelihood="poisson"),
            r"likelihood must be one of "
            r".*got 'poisson'",
        ),
        (
            lambda ac: ac.ConditionalVAE(image_size=8, num_classes=0),
            r"num_classes must be an "
            r"integer >= 1, got 0",
        ),
        (
            lambda ac: build_gan(ac, "mlp", loss="wasserstein"),
            r"loss must be one of "
            r"'non_saturating', "
            r"'minimax'; got "
            r"'wasserstein'",
        ),
        (
            lambda ac: build_gan(ac, "mlp", label_smoothing=1.5),
            r"label_smoothing must be a "
            r"number in \[0.0, 1.0\)",
        ),
        (
            lambda ac: build_gan(ac, "mlp", ema_decay=1.0),
            r"ema_decay must be a number "
            r"in \[0.0, 1.0\), got 1.0",
        ),
        (
            lambda ac: build_gan(ac, "mlp", d_learning_rate=-1e-3),
            r"d_learning_rate must be a "
            r"number in \[0.0, inf\), got "
            r"-0.001",
        ),
        (
            lambda ac: ac.GAN(ac.MLPGenerator(8), ac.MLPDiscriminator(16)),
            r"must agree on image_size",
        ),
    ],
)
def test_bad_constructor_arguments(ac, build, match):
    with pytest.raises(ValueError, match=match):
        build(ac)


@FRAMEWORKS
def test_bad_training_data(ac):
    gan = build_gan(ac, "mlp")
    images = digits(8, n=32)
    with pytest.raises(
        ValueError,
        match=r"images must have shape \(N, 8, 8\).*got "
        r"\(32, 64\)",
    ):
        ac.train(gan, images.reshape(32, 64))
    with pytest.raises(
        ValueError,
        match=r"images must have shape \(N, 8, 8\).*got "
        r"\(32, 16, 4\)",
    ):
        ac.train(gan, images.reshape(32, 16, 4))
    with pytest.raises(ValueError, match=r"images is empty"):
        ac.train(gan, images[:0])
    bad = images.copy()
    bad[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match=r"images contains 1 NaN or infinite values"):
        ac.train(gan, bad)
    with pytest.raises(
        ValueError,
        match=r"labels were given but the model is "
        r"unconditional",
    ):
        ac.train(gan, images, np.zeros(32, int))
    with pytest.raises(ValueError, match=r"epochs must be an integer >= 1, got 0"):
        ac.train(gan, images, epochs=0)
    with pytest.raises(ValueError, match=r"batch_size must be an integer >= 1, got -1"):
        ac.train(gan, images, batch_size=-1)


@FRAMEWORKS
def test_bad_pixel_range_for_a_vae(ac):
    with pytest.raises(
        ValueError,
        match=r"images must lie in \[0.0, "
        r"1.0\].*scale='unit'",
    ):
        ac.train(ac.VAE(image_size=8), digits(8, n=32, scale="tanh"))


@FRAMEWORKS
def test_bad_labels_for_conditional_models(ac):
    images, labels = digits(8, n=32, scale="unit", with_labels=True)
    cvae = ac.ConditionalVAE(image_size=8, num_classes=10)
    with pytest.raises(
        ValueError,
        match=r"labels are required: the model is "
        r"conditional \(num_classes=10\)",
    ):
        ac.train(cvae, images)
    with pytest.raises(
        ValueError,
        match=r"labels must lie in \[0, 10\).*got values "
        r"in \[1, 10\]",
    ):
        ac.train(cvae, images, np.where(labels == 0, 10, labels))
    with pytest.raises(
        ValueError,
        match=r"labels must lie in \[0, 10\).*got values "
        r"in \[-1,",
    ):
        cvae.sample(2, labels=[-1, 3])
    with pytest.raises(
        ValueError,
        match=r"labels must have shape \(32,\), got "
        r"\(31,\)",
    ):
        ac.train(cvae, images, labels[:31])
    gan = build_gan(ac, "cond_mlp")
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        gan.sample(1, labels=[12])


@FRAMEWORKS
def test_bad_tensor_shapes_in_forward(ac):
    g, d, vae = (
        ac.MLPGenerator(image_size=8, latent_dim=16),
        ac.MLPDiscriminator(image_size=8),
        ac.VAE(image_size=8),
    )
    z = np.zeros((2, 15), np.float32)
    to = (lambda x: __import__("torch").as_tensor(x)) if ac is tac else (lambda x: x)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 16\), got \(2, 15\)"):
        g(to(z))
    with pytest.raises(
        ValueError,
        match=r"images must have shape \(N, 8, 8\).*got "
        r"\(2, 3, 8, 8\)",
    ):
        d(to(np.zeros((2, 3, 8, 8), np.float32)))
    with pytest.raises(
        ValueError,
        match=r"images must have shape \(N, 8, 8\).*got "
        r"\(2, 9, 9\)",
    ):
        vae.reconstruct(np.zeros((2, 9, 9), np.float32))


def test_keras_checkpoint_and_torch_checkpoint_names(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        tac.load_checkpoint(build_gan(tac, "mlp"), tmp_path / "missing.pt")
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        kac.load_checkpoint(build_gan(kac, "mlp"), tmp_path / "missing.weights.h5")
