"""Keras/PyTorch parity: same sizes, and with the weights copied across, the same
numbers.

Template: the same weights loaded into two implementations, then compared
(after karpathy/minGPT's test_huggingface_import.py).
"""

import numpy as np
import pytest
import tensorflow as tf
import torch
from _model_cases import (
    AUTOENCODERS,
    GANS,
    NETWORKS,
    build_autoencoder,
    build_gan,
    build_network,
    network_inputs,
    twins,
)

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac
from aigc_course.book import parity

ATOL = 1e-5


def _np(x):
    x = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    # (N, 1, H, W) and (N, H, W, 1) are the same images in each framework's layout
    return x.reshape(len(x), -1) if x.ndim == 4 else x


def _torch_args(x, labels):
    return torch.as_tensor(x), (None if labels is None else torch.as_tensor(labels))


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_network_sizes_and_outputs(name):
    t, k = twins(build_network, name)
    x, labels = network_inputs(name)
    with torch.no_grad():
        # move BatchNorm's running statistics off their start
        t(*_torch_args(x * 0.5 + 0.3, labels))
    t.eval()  # BatchNorm uses its (copied) running statistics
    # BatchNorm statistics are not parameters in either
    assert tac.count_parameters(t) == kac.count_parameters(k)
    assert parity.copy_torch_to_keras(t, k) > 0
    with torch.no_grad():
        out_t = t(*_torch_args(x, labels))
    out_k = k(x, labels)
    assert out_t.numel() == int(np.prod(out_k.shape))
    np.testing.assert_allclose(_np(out_t), _np(out_k), atol=ATOL, rtol=0)


def test_keras_default_init_is_pytorch_style():
    """Kernels and biases in U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch initialises
    them."""
    k = kac.MLPDiscriminator(image_size=28)
    _, dense = parity.keras_layers(k)[0]
    bound = 1 / np.sqrt(28 * 28)
    for w in dense.weights:
        w = np.asarray(w)
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


@pytest.mark.parametrize("name", sorted(GANS))
@pytest.mark.parametrize("loss", ["non_saturating", "minimax"])
def test_gan_losses_and_input_gradients(name, loss):
    t, k = twins(build_gan, name, loss=loss, label_smoothing=0.1)
    t.eval()
    parity.copy_torch_to_keras(t, k)
    rng = np.random.default_rng(3)
    images = rng.uniform(-1, 1, (6, 8, 8)).astype(np.float32)
    noise = rng.standard_normal((6, 16)).astype(np.float32)
    labels = rng.integers(0, 10, 6) if t.num_classes else None

    x_t, z_t = (
        torch.tensor(images, requires_grad=True),
        torch.tensor(noise, requires_grad=True),
    )
    y_t = None if labels is None else torch.as_tensor(labels)
    losses_t = t.compute_losses(x_t, z_t, y_t)
    dx_t = torch.autograd.grad(losses_t["d_loss"], x_t)[0]
    dz_t = torch.autograd.grad(losses_t["g_loss"], z_t)[0]

    x_k, z_k = tf.constant(images), tf.constant(noise)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x_k, z_k])
        losses_k = k.compute_losses(x_k, z_k, labels)
    dx_k, dz_k = (
        tape.gradient(losses_k["d_loss"], x_k),
        tape.gradient(losses_k["g_loss"], z_k),
    )

    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        np.testing.assert_allclose(
            float(losses_t[key].detach()),
            float(losses_k[key]),
            atol=ATOL,
            rtol=0,
            err_msg=key,
        )
    np.testing.assert_allclose(dx_t.numpy(), dx_k.numpy(), atol=ATOL, rtol=0)
    np.testing.assert_allclose(dz_t.numpy(), dz_k.numpy(), atol=ATOL, rtol=0)
    # and the same samples from the same seed
    np.testing.assert_allclose(
        t.sample(4, seed=5), k.sample(4, seed=5), atol=ATOL, rtol=0
    )


@pytest.mark.parametrize("name", ["mlp", "dcgan"])
def test_gan_training_step_agrees_with_ema_and_two_learning_rates(name):
    """Copied weights, the same batch and noise: one training step lands on the same
    models.

    One step only, and samples to 1e-3: Adam's first step moves every weight by
    about its learning rate whatever the gradient's size, so a gradient near
    zero whose sign differs in the 7th digit moves a weight by up to 2e-3 the
    other way.  Trajectories drift apart from there, as two runs on different
    hardware do.
    """
    settings = {
        "learning_rate": 1e-3,
        "d_learning_rate": 5e-4,
        "beta_1": 0.0,
        "ema_decay": 0.5,
    }
    t, k = twins(build_gan, name, **settings)
    # the averaged generator counts in both
    assert tac.count_parameters(t) == kac.count_parameters(k)
    assert parity.copy_torch_to_keras(t, k) == len(parity.torch_layers(t))
    images = network_inputs("mlp_discriminator_8", n=16, seed=4)[0]
    history_t = tac.train(t, images, steps=1, batch_size=16, seed=2)
    history_k = kac.train(k, images, steps=1, batch_size=16, seed=2)
    for key in history_t:
        np.testing.assert_allclose(
            history_t[key], history_k[key], atol=2e-5, rtol=0, err_msg=key
        )
    # the averaged generator (what sample() draws from) and the generator being trained
    np.testing.assert_allclose(
        t.sample(4, seed=5), k.sample(4, seed=5), atol=1e-3, rtol=0
    )
    z = np.random.default_rng(5).standard_normal((4, 16)).astype(np.float32)
    t.eval()
    with torch.no_grad():
        raw_t = t.generator(torch.as_tensor(z))
    np.testing.assert_allclose(
        _np(raw_t), _np(k.generator(z, training=False)), atol=2e-3, rtol=0
    )


def test_copy_refuses_mismatched_models():
    t = tac.MLPGenerator(image_size=8)
    k = kac.MLPGenerator(image_size=16)
    with pytest.raises(ValueError, match="same arguments"):
        parity.copy_torch_to_keras(t, k)
    with pytest.raises(ValueError, match="layers with weights"):
        parity.copy_torch_to_keras(t, kac.DCGANGenerator(image_size=8))


@pytest.mark.parametrize("name", sorted(AUTOENCODERS))
def test_autoencoder_outputs_losses_and_input_gradients(name):
    t, k = twins(build_autoencoder, name)
    assert tac.count_parameters(t) == kac.count_parameters(k)
    parity.copy_torch_to_keras(t, k)
    size, latent = t.image_size, t.latent_dim
    rng = np.random.default_rng(4)
    images = rng.uniform(0, 1, (5, size, size)).astype(np.float32)
    noise = rng.standard_normal((5, latent)).astype(np.float32)
    labels = rng.integers(0, t.num_classes, 5) if t.num_classes else None
    y_t = None if labels is None else torch.as_tensor(labels)

    # encode, decode, reconstruct, sample: NumPy in, NumPy out in both
    code_t, code_k = t.encode(images, labels), k.encode(images, labels)
    for a, b in zip(*((code_t, code_k) if t.variational else ((code_t,), (code_k,)))):
        np.testing.assert_allclose(a, b, atol=ATOL, rtol=0)
    np.testing.assert_allclose(
        t.decode(noise, labels), k.decode(noise, labels), atol=ATOL, rtol=0
    )
    # tensors in too
    np.testing.assert_allclose(
        t.encode(torch.as_tensor(images), y_t)[0], code_t[0], atol=0, rtol=0
    )
    np.testing.assert_allclose(
        t.reconstruct(images, labels), k.reconstruct(images, labels), atol=ATOL, rtol=0
    )
    np.testing.assert_allclose(
        t.sample(4, seed=2), k.sample(4, seed=2), atol=ATOL, rtol=0
    )

    # losses and their gradients with respect to the images
    x_t = torch.tensor(images, requires_grad=True)
    losses_t = t.compute_losses(x_t, torch.as_tensor(noise), y_t)
    dx_t = torch.autograd.grad(losses_t["loss"], x_t)[0]
    x_k = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x_k)
        losses_k = k.compute_losses(x_k, noise, labels)
    dx_k = tape.gradient(losses_k["loss"], x_k)
    assert sorted(losses_t) == sorted(losses_k)
    for key in losses_t:  # sums over pixels: compare relative to their size
        np.testing.assert_allclose(
            float(losses_t[key].detach()),
            float(losses_k[key]),
            rtol=1e-5,
            atol=ATOL,
            err_msg=key,
        )
    np.testing.assert_allclose(dx_t.numpy(), dx_k.numpy(), atol=ATOL, rtol=1e-5)


@pytest.mark.parametrize("framework", [tac, kac], ids=["torch", "keras"])
def test_loss_functions_match_the_formulas(framework):
    """The KL and reconstruction terms equal their closed forms, computed here in
    NumPy."""
    rng = np.random.default_rng(0)
    mean, log_var = (
        rng.standard_normal((4, 3)).astype(np.float32),
        rng.standard_normal((4, 3)).astype(np.float32),
    )
    logits, x = (
        rng.standard_normal((4, 1, 2, 2)).astype(np.float32),
        rng.uniform(0, 1, (4, 1, 2, 2)).astype(np.float32),
    )
    conv = torch.as_tensor if framework is tac else tf.constant
    kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1).mean()
    p = 1 / (1 + np.exp(-logits))
    bce = -(x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(4, -1).sum(1).mean()
    mse = ((p - x) ** 2).reshape(4, -1).sum(1).mean()
    assert float(framework.kl_loss(conv(mean), conv(log_var))) == pytest.approx(
        kl, rel=1e-5
    )
    assert float(
        framework.reconstruction_loss(conv(logits), conv(x), "bernoulli")
    ) == pytest.approx(bce, rel=1e-5)
    assert float(
        framework.reconstruction_loss(conv(logits), conv(x), "gaussian")
    ) == pytest.approx(mse, rel=1e-5)


def test_weight_arrays_lists_every_weight_of_either_framework():
    seed_everything(0)
    t_vae, k_vae = tac.VAE(image_size=8), kac.VAE(image_size=8)
    t_arrays, k_arrays = parity.weight_arrays(t_vae), parity.weight_arrays(k_vae)
    assert [a.shape for a in t_arrays] == [tuple(p.shape) for p in t_vae.parameters()]
    assert [a.shape for a in k_arrays] == [tuple(w.shape) for w in k_vae.weights]
    assert all(isinstance(a, np.ndarray) for a in t_arrays + k_arrays)
    assert sum(a.size for a in t_arrays) == sum(a.size for a in k_arrays)
    with pytest.raises(TypeError, match="model must be a PyTorch nn.Module"):
        parity.weight_arrays([np.zeros(3)])
