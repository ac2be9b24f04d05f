"""Masked-patch pre-training and the transfer classifier in both frameworks."""

import numpy as np
import pytest
import tensorflow as tf
import torch

from aigc_course import seed_everything
from aigc_course.book import parity
from aigc_course.keras import selfsupervised as kss
from aigc_course.torch import selfsupervised as tss

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 1, (6, 16, 16)).astype(np.float32)
NOISE = RNG.standard_normal((6, 16)).astype(np.float32)
LABELS = RNG.integers(0, 10, 6)


def test_masks_hide_whole_patches_at_the_asked_rate():
    noise = np.random.default_rng(1).standard_normal((2000, 16)).astype(np.float32)
    m_t = tss.patch_mask(torch.as_tensor(noise), 16, 4, 0.5).numpy()
    m_k = np.asarray(kss.patch_mask(noise, 16, 4, 0.5))
    np.testing.assert_array_equal(m_t, m_k)
    assert m_t.mean() == pytest.approx(0.5, abs=0.01)
    # a 4x4 patch is hidden or shown as a whole
    assert (m_t[:, :4, :4] == m_t[:, :1, :1]).all()


def test_losses_and_outputs_agree_with_copied_weights():
    seed_everything(0)
    t, k = tss.MaskedAutoencoder(), kss.MaskedAutoencoder()
    assert parity.copy_torch_to_keras(t, k) > 0
    with torch.no_grad():
        loss_t = t.compute_losses(torch.as_tensor(IMAGES), torch.as_tensor(NOISE))[
            "loss"
        ]
    loss_k = k.compute_losses(tf.constant(IMAGES), NOISE)["loss"]
    assert float(loss_t) == pytest.approx(float(loss_k), abs=1e-5)
    for a, b in zip(t.reconstruct(IMAGES, seed=3), k.reconstruct(IMAGES, seed=3)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    c_t, c_k = tss.Classifier(), kss.Classifier()
    parity.copy_torch_to_keras(c_t, c_k)
    np.testing.assert_array_equal(
        c_t.predict_classes(IMAGES), c_k.predict_classes(IMAGES)
    )


def test_masked_loss_scores_hidden_pixels_only():
    images = torch.as_tensor(IMAGES)
    mask = tss.patch_mask(torch.as_tensor(NOISE), 16, 4, 0.5)
    logits = torch.where(
        mask.bool(), torch.zeros_like(images), torch.full_like(images, -20.0)
    )
    # every hidden pixel has logit 0: BCE = log 2 whatever the target
    expected = np.log(2)
    assert float(tss.masked_reconstruction_loss(logits, images, mask)) == pytest.approx(
        expected, rel=1e-5
    )
    assert float(
        kss.masked_reconstruction_loss(logits.numpy(), IMAGES, mask.numpy())
    ) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("ss", [tss, kss], ids=["torch", "keras"])
def test_transfer_helpers(ss):
    from aigc_course.keras import training as ktraining
    from aigc_course.torch import training as ttraining

    train = ttraining.train if ss is tss else ktraining.train
    seed_everything(0)
    mae, clf = ss.MaskedAutoencoder(), ss.Classifier()
    assert train(mae, IMAGES, epochs=1, batch_size=6)["loss"][0] > 0
    clf.load_backbone(mae)
    weights = lambda m: [
        (w.detach().numpy().copy() if isinstance(w, torch.Tensor) else w.numpy())
        for w in (  # noqa: E731
            m.parameters() if isinstance(m, torch.nn.Module) else m.weights
        )
    ]
    for a, b in zip(weights(clf.backbone), weights(mae.backbone)):
        np.testing.assert_array_equal(a, b)
    clf.freeze_backbone()
    history = train(clf, IMAGES, LABELS, epochs=2, batch_size=6)
    assert set(history) == {"step", "loss", "accuracy"}
    for a, b in zip(weights(clf.backbone), weights(mae.backbone)):
        np.testing.assert_array_equal(a, b)  # frozen: unchanged by training
    assert 0 <= clf.accuracy(IMAGES, LABELS) <= 1
    with pytest.raises(ValueError, match="patch_size must divide"):
        ss.MaskedAutoencoder(image_size=16, patch_size=3)
    with pytest.raises(ValueError, match="mask_ratio"):
        ss.MaskedAutoencoder(mask_ratio=1.0)
    with pytest.raises(ValueError, match="labels are required"):
        train(clf, IMAGES, epochs=1)


@pytest.mark.parametrize("ss", [tss, kss], ids=["torch", "keras"])
def test_load_backbone_rejects_a_backbone_of_another_shape(ss):
    clf = ss.Classifier(image_size=16, feature_dim=64)
    with pytest.raises(ValueError, match=r"\(image_size, feature_dim\) = \(16, 32\)"):
        clf.load_backbone(ss.MaskedAutoencoder(image_size=16, feature_dim=32))
    with pytest.raises(ValueError, match=r"\(8, 64\)"):
        clf.load_backbone(ss.MaskedAutoencoder(image_size=8, patch_size=2))
    with pytest.raises(ValueError, match="must be a Backbone"):
        clf.load_backbone(object())
    clf.load_backbone(ss.Backbone(16, 64))  # a bare backbone is fine too


def test_denoising_autoencoder_agrees_with_copied_weights_and_scores_every_pixel():
    pixel_noise = np.random.default_rng(4).standard_normal((6, 256)).astype(np.float32)
    seed_everything(0)
    t, k = tss.DenoisingAutoencoder(), kss.DenoisingAutoencoder()
    # backbone: 2 convs + 1 linear; decoder: 2 linears
    assert parity.copy_torch_to_keras(t, k) == 3 + 2
    with torch.no_grad():
        loss_t = t.compute_losses(
            torch.as_tensor(IMAGES), torch.as_tensor(pixel_noise)
        )["loss"]
        noisy = torch.as_tensor(IMAGES) + 0.5 * torch.as_tensor(pixel_noise).view(
            6, 16, 16
        )
        expected = torch.nn.functional.binary_cross_entropy_with_logits(
            t(noisy), torch.as_tensor(IMAGES)
        )
    loss_k = k.compute_losses(tf.constant(IMAGES), pixel_noise)["loss"]
    # the mean over all pixels
    assert float(loss_t) == pytest.approx(float(expected), rel=1e-6)
    assert float(loss_t) == pytest.approx(float(loss_k), abs=1e-5)
    for a, b in zip(t.reconstruct(IMAGES, seed=3), k.reconstruct(IMAGES, seed=3)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    noisy_t, clean_t = t.reconstruct(IMAGES, seed=3)
    assert noisy_t.std() > IMAGES.std()  # the noise is there
    assert clean_t.min() >= 0 and clean_t.max() <= 1


@pytest.mark.parametrize("ss", [tss, kss], ids=["torch", "keras"])
def test_denoising_pretraining_learns_and_transfers(ss):
    from aigc_course.data import load_digits
    from aigc_course.keras import training as ktraining
    from aigc_course.torch import training as ttraining

    train = ttraining.train if ss is tss else ktraining.train
    images, _ = load_digits(16, scale="unit")
    seed_everything(0)
    dae = ss.DenoisingAutoencoder(noise_std=0.5)
    history = train(dae, images[:256], epochs=4, batch_size=32)
    # it learns to remove the noise
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    clf = ss.Classifier()
    clf.load_backbone(dae)
    with pytest.raises(ValueError, match="noise_std must be a number in"):
        ss.DenoisingAutoencoder(noise_std=-0.1)
    with pytest.raises(ValueError, match="noise"):
        dae.compute_losses(images[:2], np.zeros((2, 3), np.float32))
