"""NumPy in, NumPy out: every public inference method of every model, in both
frameworks.

A notebook calls ``model.encode(x)`` the same way whichever framework built
``model``, and gets NumPy back, of the same shape and dtype from both.  Methods
that work on the framework's own tensors (the training maths: losses,
``reparameterize``) or change the model (``fit``, ``load_backbone``, ...) are
listed in ``NOT_INFERENCE`` with the reason; every other public method must
have a row here.
"""

import numpy as np
import pytest
from _model_cases import build_gan, digits
from test_api_parity import _public_methods

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac
from aigc_course.data import audio, text

N = 4
X8, Y8 = digits(8, n=N, scale="unit", with_labels=True)
X16 = digits(16, n=N, scale="unit")
TOK = text.CharTokenizer()
MASKS = np.zeros((N, 16, 16), np.float32)
MASKS[:, 4:10, 4:10] = 1.0


def _noise(dim):
    return np.random.default_rng(0).standard_normal((N, dim)).astype(np.float32)


# model name -> (builder, {method: arguments})
MODELS = {
    "Autoencoder": (
        lambda ac: ac.Autoencoder(image_size=8, latent_dim=3),
        {
            "encode": (X8,),
            "decode": (_noise(3),),
            "reconstruct": (X8,),
            "sample": (N,),
            "loss_terms": (X8,),
        },
    ),
    "VAE": (
        lambda ac: ac.VAE(image_size=8, latent_dim=3, architecture="conv"),
        {
            "encode": (X8,),
            "decode": (_noise(3),),
            "reconstruct": (X8,),
            "sample": (N,),
            "loss_terms": (X8, _noise(3)),
        },
    ),
    "ConditionalVAE": (
        lambda ac: ac.ConditionalVAE(image_size=8, latent_dim=3),
        {
            "encode": (X8, Y8),
            "decode": (_noise(3), Y8),
            "reconstruct": (X8, Y8),
            "sample": (N,),
            "loss_terms": (X8, _noise(3), Y8),
        },
    ),
    "SpectrogramVAE": (
        lambda ac: ac.SpectrogramVAE(),
        {
            "sample_audio": (2, None, 0, 2),
            "encode": (
                np.full((N, audio.BINS, audio.BINS), 0.5, np.float32),
                np.arange(N),
            ),
            "decode": (_noise(tac.SpectrogramVAE().latent_dim), np.arange(N)),
            "reconstruct": (
                np.full((N, audio.BINS, audio.BINS), 0.5, np.float32),
                np.arange(N),
            ),
            "sample": (N,),
            "loss_terms": (
                np.full((N, audio.BINS, audio.BINS), 0.5, np.float32),
                None,
                np.arange(N),
            ),
        },
    ),
    "GAN": (
        lambda ac: build_gan(ac, "cond_dcgan"),
        {"sample": (N,), "loss_terms": (X8 * 2 - 1, _noise(16), Y8)},
    ),
    "Inpainter": (
        lambda ac: ac.Inpainter(image_size=16, channels=8),
        {"inpaint": (X16, MASKS), "loss_terms": (X16, MASKS)},
    ),
    "MaskedAutoencoder": (
        lambda ac: ac.MaskedAutoencoder(image_size=16),
        {"reconstruct": (X16,), "loss_terms": (X16, _noise(16))},
    ),
    "Classifier": (
        lambda ac: ac.Classifier(image_size=16, num_classes=10),
        {
            "predict_classes": (X16,),
            "accuracy": (X16, Y8),
            "loss_terms": (X16, None, Y8),
        },
    ),
    "TinyGPT": (
        lambda ac: ac.TinyGPT(TOK, block_size=8, n_layer=1, n_head=2, n_embd=8),
        {"logits": (np.array([[1, 2, 3], [4, 5, 6]]),), "generate": ("a", 5)},
    ),
    "DDPM": (
        lambda ac: ac.DDPM(
            image_size=8, num_classes=10, timesteps=20, hidden=16, blocks=1
        ),
        {
            "predict_noise": (X8 * 2 - 1, 3, Y8),
            "sample": (N, None, 0, 5, "ddim", 2.0),
            "inpaint": (X8, MASKS[:, 4:12, 4:12], 0, 5, "ddpm", Y8),
            "loss_terms": (X8 * 2 - 1, _noise(8 * 8 + 2), Y8),
        },
    ),
    "FlowMatching": (
        lambda ac: ac.FlowMatching(image_size=8, hidden=16, blocks=1),
        {
            "predict_velocity": (X8 * 2 - 1, np.linspace(0, 1, N)),
            "sample": (N, None, 0, 3),
            "loss_terms": (X8 * 2 - 1, _noise(8 * 8 + 1)),
        },
    ),
}

NOT_INFERENCE = {
    "fit": "trains the model (tested with the trainers)",
    "compute_losses": "tensors with gradients, for train_step; loss_terms is its "
    "NumPy form",
    "discriminator_loss": "tensors with gradients, for train_step",
    "generator_loss": "tensors with gradients, for train_step",
    "reparameterize": "tensors with gradients: the reparameterisation trick itself",
    "load_backbone": "changes the model",
    "freeze_backbone": "changes the model",
    "optimizers": "the framework's optimizer objects, for checkpoints",
    "MaskedAutoencoder.sample": "raises: it does not generate images",
    "Classifier.sample": "raises: it does not generate images",
}


def _describe(value):
    """Type, shape and dtype of a NumPy result, recursively; anything not NumPy
    fails."""
    if isinstance(value, tuple):
        return tuple(_describe(v) for v in value)
    if isinstance(value, dict):
        return {k: _describe(v) for k, v in value.items()}
    if isinstance(value, (str, float)):
        return type(value).__name__
    assert isinstance(value, np.ndarray), (
        f"not NumPy: {type(value).__module__}.{type(value).__name__}"
    )
    return value.shape, str(value.dtype)


def test_every_public_method_is_covered():
    for name, (_, calls) in MODELS.items():
        methods = set(_public_methods(getattr(tac, name)))
        missing = {
            m
            for m in methods - set(calls)
            if m not in NOT_INFERENCE and f"{name}.{m}" not in NOT_INFERENCE
        }
        assert not missing, (
            f"{name}: add a row (or a reason in NOT_INFERENCE) for {sorted(missing)}"
        )
        assert set(calls) <= methods, name


@pytest.mark.parametrize(
    "name, method", [(n, m) for n, (_, calls) in MODELS.items() for m in calls]
)
def test_numpy_in_numpy_out_alike_in_both_frameworks(name, method):
    builder, calls = MODELS[name]
    results = {}
    for framework, ac in (("torch", tac), ("keras", kac)):
        seed_everything(0)
        model = builder(ac)
        results[framework] = _describe(getattr(model, method)(*calls[method]))
    assert results["torch"] == results["keras"]
