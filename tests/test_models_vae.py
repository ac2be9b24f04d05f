"""Autoencoder, VAE and conditional VAE training in both frameworks."""

import numpy as np
import pytest
from _model_cases import digits

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac

FRAMEWORKS = pytest.mark.parametrize("ac", [tac, kac], ids=["torch", "keras"])


@FRAMEWORKS
@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_vae_learns(ac, architecture):
    seed_everything(0)
    vae = ac.VAE(image_size=8, latent_dim=2, architecture=architecture)
    history = ac.train(vae, digits(8, n=256, scale="unit"), epochs=4, batch_size=32)
    assert sorted(history) == ["kl_loss", "loss", "reconstruction_loss", "step"]
    assert history["loss"][-1] < history["loss"][0]
    np.testing.assert_allclose(
        np.add(history["reconstruction_loss"], history["kl_loss"]),
        history["loss"],
        rtol=1e-4,
    )
    samples, recon = vae.sample(5), vae.reconstruct(digits(8, n=3, scale="unit"))
    assert samples.shape == (5, 8, 8) and recon.shape == (3, 8, 8)
    assert 0 <= samples.min() and samples.max() <= 1


@FRAMEWORKS
def test_autoencoder_reports_reconstruction_only(ac):
    seed_everything(0)
    ae = ac.Autoencoder(image_size=8, latent_dim=4, likelihood="gaussian")
    history = ac.train(ae, digits(8, n=64, scale="unit"), epochs=2, batch_size=32)
    assert sorted(history) == ["loss", "reconstruction_loss", "step"]
    assert history["loss"] == history["reconstruction_loss"]


@FRAMEWORKS
def test_beta_weights_the_kl_term(ac):
    images = digits(8, n=64, scale="unit")
    out = {}
    for beta in (1.0, 4.0):
        seed_everything(0)
        out[beta] = ac.train(
            ac.VAE(image_size=8, beta=beta), images, steps=1, batch_size=64
        )
    assert out[1.0]["kl_loss"] == out[4.0]["kl_loss"]  # same first batch, same weights
    assert out[4.0]["loss"][0] == pytest.approx(
        out[4.0]["reconstruction_loss"][0] + 4 * out[4.0]["kl_loss"][0], rel=1e-5
    )


@FRAMEWORKS
def test_conditional_vae(ac):
    seed_everything(0)
    cvae = ac.ConditionalVAE(image_size=8, latent_dim=2, architecture="conv")
    images, labels = digits(8, n=64, scale="unit", with_labels=True)
    history = ac.train(cvae, images, labels, epochs=1, batch_size=32)
    assert sorted(history) == ["kl_loss", "loss", "reconstruction_loss", "step"]
    assert cvae.sample(4, labels=[3, 3, 3, 3]).shape == (4, 8, 8)
    assert cvae.reconstruct(images[:2], labels[:2]).shape == (2, 8, 8)


@pytest.mark.parametrize("ac", [tac, kac], ids=["torch", "keras"])
def test_fit_is_the_course_trainer(ac):
    seed_everything(0)
    fitted = ac.VAE(image_size=8).fit(
        digits(8, n=64, scale="unit"), batch_size=32, epochs=1
    )
    seed_everything(0)
    trained = ac.train(
        ac.VAE(image_size=8), digits(8, n=64, scale="unit"), batch_size=32, epochs=1
    )
    assert (
        sorted(fitted) == ["kl_loss", "loss", "reconstruction_loss", "step"]
        and fitted == trained
    )


@FRAMEWORKS
def test_every_autoencoder_builds_through_its_parents_constructor(ac):
    """VAE and ConditionalVAE go through ``Autoencoder.__init__``: the same networks
    from the same seed, whichever class asks for them."""
    images, labels = digits(8, n=4, scale="unit", with_labels=True)
    seed_everything(0)
    cvae = ac.ConditionalVAE(image_size=8, latent_dim=2, num_classes=10, beta=2.0)
    seed_everything(0)
    vae = ac.VAE(image_size=8, latent_dim=2, beta=2.0, num_classes=10)
    assert (cvae.beta, cvae.num_classes) == (vae.beta, vae.num_classes) == (2.0, 10)
    np.testing.assert_array_equal(
        cvae.reconstruct(images, labels), vae.reconstruct(images, labels)
    )
    ae = ac.Autoencoder(image_size=8, latent_dim=2, num_classes=10)
    assert ae.beta == 0.0 and ae.reconstruct(images, labels).shape == (4, 8, 8)
    with pytest.raises(ValueError, match="num_classes"):
        ac.Autoencoder(image_size=8, num_classes=-1)
    with pytest.raises(ValueError, match="beta"):
        ac.VAE(image_size=8, beta=-1.0)
