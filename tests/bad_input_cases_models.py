"""Rows of the bad-input table for the models' direct calls and inference methods, in
both frameworks.

Every row is written once and built for PyTorch and for Keras: both frameworks
must refuse the same input with the same message.  Direct calls get the
framework's own tensors (``native``), as a reader of either chapter would pass them.
"""

from __future__ import annotations

import numpy as np
import torch
from _bad_input import Case

from aigc_course import keras as kac
from aigc_course import torch as tac
from aigc_course.data import text
from aigc_course.keras import style as kstyle
from aigc_course.keras import toy as ktoy
from aigc_course.torch import style as tstyle
from aigc_course.torch import toy as ttoy

FRAMEWORKS = [("torch", tac, ttoy, tstyle), ("keras", kac, ktoy, kstyle)]
TOK = text.CharTokenizer()
V = TOK.vocab_size


def native(name: str, array):
    """``array`` as the framework's own input: a tensor for PyTorch, NumPy for Keras."""
    return torch.as_tensor(np.asarray(array)) if name == "torch" else np.asarray(array)


def _gpt(ac):
    return ac.TinyGPT(TOK, block_size=8, n_layer=1, n_head=1, n_embd=8)


def _rows(name, ac, toy, style):
    # two unit-scale images
    x = np.random.default_rng(0).uniform(0, 1, (2, 8, 8)).astype(np.float32)
    z = np.zeros((2, 4), np.float32)
    nan_images = x.astype(np.float64)
    nan_images[0, 0, 0] = np.nan
    ids = np.array([[1, 2, 3]])

    def t(array):
        return native(name, array)

    def g(**kw):
        return ac.MLPGenerator(image_size=8, latent_dim=4, **kw)

    def gan(**kw):
        return ac.GAN(g(**kw), ac.MLPDiscriminator(image_size=8, **kw))

    def cvae():
        return ac.ConditionalVAE(image_size=8, latent_dim=4)

    def ddpm(**kw):
        return ac.DDPM(8, timesteps=20, hidden=8, blocks=1, **kw)

    def flow(**kw):
        return ac.FlowMatching(8, hidden=8, blocks=1, **kw)

    def points_model():
        return ac.FlowMatching(dim=2, hidden=8, blocks=1)

    photo = np.full((8, 8, 3), 0.5, "float32")  # one (H, W, 3) image in [0, 1]

    def small_photos():  # RGB images of 2 x 2 pixels, in the framework's layout
        return np.zeros((1, 3, 2, 2) if name == "torch" else (1, 2, 2, 3), np.float32)

    rows = [
        # 1. the GAN's two networks must be the course's generator and discriminator
        # kinds
        (
            "gan-generator-is-a-vae",
            lambda: ac.GAN(ac.VAE(8), ac.MLPDiscriminator(8)),
            TypeError,
            r"generator must be an image generator \(MLPGenerator or DCGANGenerator\), "
            r"got VAE",
        ),
        (
            "gan-discriminator-is-a-generator",
            lambda: ac.GAN(g(), g()),
            TypeError,
            r"discriminator must be an image discriminator \(MLPDiscriminator or "
            r"DCGANDiscriminator\), got MLPGenerator",
        ),
        # 2. labels outside [0, num_classes) in direct calls of conditional networks
        (
            "discriminator-labels-out-of-range",
            lambda: ac.MLPDiscriminator(8, num_classes=10)(t(x), t([12, 3])),
            ValueError,
            r"labels must lie in \[0, 10\) \(num_classes=10\), got values in \[3, 12\]",
        ),
        (
            "dcgan-discriminator-labels-negative",
            lambda: ac.DCGANDiscriminator(8, num_classes=10)(t(x), t([-1, 0])),
            ValueError,
            r"labels must lie in \[0, 10\) \(num_classes=10\), got values in \[-1, 0\]",
        ),
        (
            "generator-labels-out-of-range",
            lambda: g(num_classes=10)(t(z), t([10, 0])),
            ValueError,
            r"labels must lie in \[0, 10\).*got values in \[0, 10\]",
        ),
        (
            "cvae-encode-labels-out-of-range",
            lambda: cvae().encode(t(x), t([1, 10])),
            ValueError,
            r"labels must lie in \[0, 10\).*got values in \[1, 10\]",
        ),
        (
            "cvae-decode-labels-negative",
            lambda: cvae().decode(t(z), t([-1, 3])),
            ValueError,
            r"labels must lie in \[0, 10\).*got values in \[-1, 3\]",
        ),
        (
            "cvae-reconstruct-labels-fractional",
            lambda: cvae().reconstruct(x, [0.5, 1.0]),
            ValueError,
            r"labels must be integers in \[0, 10\), got dtype float64",
        ),
        (
            "generator-labels-missing",
            lambda: g(num_classes=10)(t(z)),
            ValueError,
            r"labels are required: the model is conditional \(num_classes=10\)",
        ),
        (
            "generator-labels-to-unconditional",
            lambda: g()(t(z), t([1, 2])),
            ValueError,
            r"labels were given but the model is unconditional \(num_classes=0\)",
        ),
        # 8. one label per latent vector
        (
            "generator-labels-count",
            lambda: g(num_classes=10)(t(z), t([1, 2, 3])),
            ValueError,
            r"labels must have shape \(2,\), got \(3,\)",
        ),
        (
            "dcgan-generator-labels-count",
            lambda: ac.DCGANGenerator(8, latent_dim=4, num_classes=10)(t(z), t([1])),
            ValueError,
            r"labels must have shape \(2,\), got \(1,\)",
        ),
        # 3. images checked like the trainer checks them: shape, finite, the model's
        # pixel range
        (
            "vae-reconstruct-uint8",
            lambda: ac.VAE(8).reconstruct((x * 255).astype(np.uint8)),
            ValueError,
            r"images must lie in \[0.0, 1.0\] for this model, got values in \[\d+, "
            r"\d+\]",
        ),
        (
            "vae-encode-0-255",
            lambda: ac.VAE(8).encode(t(x * 255)),
            ValueError,
            r"images must lie in \[0.0, 1.0\]",
        ),
        (
            "vae-encode-nan",
            lambda: ac.VAE(8).encode(nan_images),
            ValueError,
            r"images contains 1 NaN or "
            r"infinite values",
        ),
        (
            "vae-encode-wrong-size",
            lambda: ac.VAE(8).encode(np.zeros((2, 9, 9), np.float32)),
            ValueError,
            r"images must have shape \(N, 8, 8\) \(a channel axis of 1 is allowed\), "
            r"got "
            r"\(2, 9, 9\)",
        ),
        (
            "vae-decode-z-shape",
            lambda: ac.VAE(8, latent_dim=4).decode(t(np.zeros((2, 3), np.float32))),
            ValueError,
            r"z must have shape \(N, 4\), got \(2, 3\)",
        ),
        (
            "vae-decode-z-nan",
            lambda: ac.VAE(8, latent_dim=4).decode(
                t(np.full((2, 4), np.inf, np.float32))
            ),
            ValueError,
            r"z contains 8 NaN or infinite values",
        ),
        # 4. NumPy and float64 are accepted in both frameworks; wrong shapes are a
        # ValueError naming the argument
        (
            "discriminator-images-channels",
            lambda: ac.DCGANDiscriminator(8)(np.zeros((2, 3, 8, 8))),
            ValueError,
            r"images must have shape \(N, 8, 8\) \(a channel axis of 1 is allowed\), "
            r"got "
            r"\(2, 3, 8, 8\)",
        ),
        (
            "discriminator-images-nan-float64",
            lambda: ac.MLPDiscriminator(8)(nan_images),
            ValueError,
            r"images contains 1 NaN or infinite values; expected finite pixels",
        ),
        (
            "discriminator-images-text",
            lambda: ac.MLPDiscriminator(8)(np.full((2, 8, 8), "a")),
            ValueError,
            r"images must be a numeric array, got dtype",
        ),
        (
            "generator-z-float64-shape",
            lambda: g()(np.zeros((2, 5))),
            ValueError,
            r"z must have shape \(N, 4\), "
            r"got \(2, 5\)",
        ),
        # 5. DCGAN sizes where BatchNorm would see one value per channel
        (
            "dcgan-generator-image-size-4",
            lambda: ac.DCGANGenerator(image_size=4, latent_dim=4),
            ValueError,
            r"image_size must be a multiple of 4 and >= 8 for this architecture .*got "
            r"4 "
            r"\(at 4 the first BatchNorm",
        ),
        # 6. generate's arguments
        (
            "gpt-generate-top-k-zero",
            lambda: _gpt(ac).generate("hi", 3, top_k=0),
            ValueError,
            rf"top_k must be None or an integer in \[1, {V}\] \(vocab_size\), got 0",
        ),
        (
            "gpt-generate-n-negative",
            lambda: _gpt(ac).generate("hi", -1),
            ValueError,
            r"n must be an integer >= 0 "
            r"\(characters to generate\), "
            r"got -1",
        ),
        (
            "gpt-generate-n-float",
            lambda: _gpt(ac).generate("hi", 2.5),
            ValueError,
            r"n must be an integer >= 0 .*got 2.5",
        ),
        (
            "gpt-generate-prompt-out-of-vocabulary",
            lambda: _gpt(ac).generate("Hi", 3),
            ValueError,
            r"prompt contains characters outside the vocabulary: 'H'",
        ),
        (
            "gpt-generate-prompt-empty",
            lambda: _gpt(ac).generate("", 3),
            ValueError,
            r"prompt must contain at "
            r"least one character",
        ),
        (
            "gpt-generate-prompt-not-text",
            lambda: _gpt(ac).generate(None, 3),
            ValueError,
            r"prompt must be a string, "
            r"got NoneType",
        ),
        (
            "gpt-generate-temperature-negative",
            lambda: _gpt(ac).generate("hi", 3, temperature=-1.0),
            ValueError,
            r"temperature must be a finite number >= 0 \(0 is greedy\), got -1.0",
        ),
        (
            "gpt-generate-seed-negative",
            lambda: _gpt(ac).generate("hi", 3, seed=-1),
            ValueError,
            r"seed must be an integer >= 0, got -1",
        ),
        # 7. token ids in direct calls: range, dtype, shape, context length
        (
            "gpt-ids-beyond-vocabulary",
            lambda: _gpt(ac)(t([[1, V + 5]])),
            ValueError,
            rf"idx must lie in \[0, {V}\) \(vocab_size\), got values in \[1, {V + 5}\]",
        ),
        (
            "gpt-ids-negative",
            lambda: _gpt(ac)(t([[-1, 0]])),
            ValueError,
            r"idx must lie in \[0, "
            rf"{V}\).*got values in \[-1, "
            r"0\]",
        ),
        (
            "gpt-ids-longer-than-block",
            lambda: _gpt(ac)(t(np.zeros((1, 9), np.int64))),
            ValueError,
            r"idx has 9 positions but block_size is 8; crop the context",
        ),
        (
            "gpt-ids-float",
            lambda: _gpt(ac)(t(np.zeros((1, 3), np.float32))),
            ValueError,
            r"idx must hold integer token ids, got dtype float32",
        ),
        (
            "gpt-ids-one-dimensional",
            lambda: _gpt(ac)(t([1, 2, 3])),
            ValueError,
            r"idx must have shape \(B, "
            r"T\), got \(3,\)",
        ),
        (
            "gpt-targets-beyond-vocabulary",
            lambda: _gpt(ac)(t(ids), t([[1, 2, V]])),
            ValueError,
            rf"targets must lie in \[0, {V}\) \(vocab_size\)",
        ),
        (
            "gpt-targets-shape",
            lambda: _gpt(ac)(t(ids), t([[1, 2]])),
            ValueError,
            r"targets must have the shape of idx \(1, 3\), got \(1, 2\)",
        ),
        # 9. sample's arguments
        (
            "gan-sample-zero",
            lambda: gan().sample(0),
            ValueError,
            r"num_samples must be an "
            r"integer >= 1, got 0",
        ),
        (
            "gan-sample-fraction",
            lambda: gan().sample(2.5),
            ValueError,
            r"num_samples must be an "
            r"integer >= 1, got 2.5",
        ),
        (
            "gan-sample-negative",
            lambda: gan().sample(-1),
            ValueError,
            r"num_samples must be an "
            r"integer >= 1, got -1",
        ),
        (
            "gan-sample-seed-negative",
            lambda: gan().sample(2, seed=-1),
            ValueError,
            r"seed must be an integer >= 0, got -1",
        ),
        (
            "gan-sample-seed-string",
            lambda: gan().sample(2, seed="0"),
            ValueError,
            r"seed must be an integer >= "
            r"0, got '0'",
        ),
        (
            "cgan-sample-labels-length",
            lambda: gan(num_classes=10).sample(3, labels=[1, 2]),
            ValueError,
            r"labels must have shape \(3,\), got \(2,\)",
        ),
        (
            "vae-sample-zero",
            lambda: ac.VAE(8).sample(0),
            ValueError,
            r"num_samples must be an "
            r"integer >= 1, got 0",
        ),
        (
            "cvae-sample-labels-out-of-range",
            lambda: cvae().sample(2, labels=[3, 10]),
            ValueError,
            r"labels must lie in \[0, 10\)",
        ),
        (
            "spectrogram-vae-sample-audio-labels",
            lambda: ac.SpectrogramVAE().sample_audio(2, labels=[0, 99]),
            ValueError,
            r"labels must lie in \[0, 8\)",
        ),
        # the other image models' direct calls and inference methods
        (
            "inpainter-masks-count",
            lambda: ac.Inpainter(8, channels=4, min_size=2, max_size=4).inpaint(
                x, np.zeros((3, 8, 8))
            ),
            ValueError,
            r"masks must hold one mask per image \(2\), got 3",
        ),
        (
            "inpainter-masks-range",
            lambda: ac.Inpainter(8, channels=4, min_size=2, max_size=4).inpaint(
                x, x + 1
            ),
            ValueError,
            r"masks must lie in \[0.0, 1.0\]",
        ),
        (
            "inpainter-call-0-255",
            lambda: ac.Inpainter(8, channels=4, min_size=2, max_size=4)(
                t(x * 255), t(x > 0.5)
            ),
            ValueError,
            r"images must lie in \[0.0, 1.0\]",
        ),
        (
            "masked-autoencoder-reconstruct-uint8",
            lambda: ac.MaskedAutoencoder(8, feature_dim=8).reconstruct(
                (x * 255).astype(np.uint8)
            ),
            ValueError,
            r"images must lie in \[0.0, 1.0\]",
        ),
        (
            "masked-autoencoder-noise-shape",
            lambda: ac.MaskedAutoencoder(8, feature_dim=8).compute_losses(
                t(x), t(z[:, :3])
            ),
            ValueError,
            r"noise must have shape \(N, 4\), got \(2, 3\)",
        ),
        (
            "classifier-predict-0-255",
            lambda: ac.Classifier(8, feature_dim=8).predict_classes(x * 255),
            ValueError,
            r"images must lie in \[0.0, 1.0\]",
        ),
        (
            "classifier-call-wrong-size",
            lambda: ac.Classifier(8, feature_dim=8)(
                t(np.zeros((2, 16, 16), np.float32))
            ),
            ValueError,
            r"images must have shape \(N, 8, 8\)",
        ),
        (
            "classifier-accuracy-labels-length",
            lambda: ac.Classifier(8, feature_dim=8).accuracy(x, [1, 2, 3]),
            ValueError,
            r"labels must have shape \(2,\), got \(3,\)",
        ),
        (
            "toy-generator-z-shape",
            lambda: toy.ToyGenerator()(t(np.zeros((3, 5), np.float32))),
            ValueError,
            r"z must have shape \(N, 2\), got \(3, 5\)",
        ),
        (
            "toy-discriminator-points-shape",
            lambda: toy.ToyDiscriminator()(np.zeros((3, 3))),
            ValueError,
            r"points must have shape \(N, 2\), got \(3, 3\)",
        ),
        (
            "toy-sample-points-not-a-toy-generator",
            lambda: toy.sample_points(g(), 3),
            TypeError,
            r"generator must be a toy generator \(ToyGenerator\), got MLPGenerator",
        ),
        # diffusion and flow matching: constructors, sampling, predictions, direct
        # calls, train_points
        (
            "ddpm-schedule-unknown",
            lambda: ac.DDPM(8, schedule="quadratic"),
            ValueError,
            r"schedule must be one of 'linear', 'cosine'; got 'quadratic'",
        ),
        (
            "ddpm-timesteps-one",
            lambda: ac.DDPM(8, timesteps=1),
            ValueError,
            r"timesteps must be an "
            r"integer >= 2, got 1",
        ),
        (
            "ddpm-ema-decay-one",
            lambda: ac.DDPM(8, ema_decay=1.0),
            ValueError,
            r"ema_decay must be a number "
            r"in \[0.0, 1.0\), got 1.0",
        ),
        (
            "flow-label-dropout-one",
            lambda: ac.FlowMatching(8, num_classes=10, label_dropout=1.0),
            ValueError,
            r"label_dropout must be a number in \[0.0, 1.0\), got 1.0",
        ),
        (
            "flow-hidden-zero",
            lambda: ac.FlowMatching(8, hidden=0),
            ValueError,
            r"hidden must be an integer "
            r">= 1, got 0",
        ),
        (
            "flow-time-sampling-unknown",
            lambda: ac.FlowMatching(8, time_sampling="beta"),
            ValueError,
            r"time_sampling must be one of 'logit_normal', 'uniform'; got 'beta'",
        ),
        (
            "ddpm-min-snr-gamma-negative",
            lambda: ac.DDPM(8, min_snr_gamma=-1.0),
            ValueError,
            r"min_snr_gamma must be a number in \[0.0, inf\), got -1.0",
        ),
        (
            "ddpm-sample-method-flow",
            lambda: ddpm().sample(2, method="euler"),
            ValueError,
            r"method must be one of 'ddpm', 'ddim'; got 'euler'",
        ),
        (
            "flow-sample-method-ddim",
            lambda: flow().sample(2, method="ddim"),
            ValueError,
            r"method must be one of 'euler', 'heun'; got 'ddim'",
        ),
        (
            "ddpm-sample-steps-beyond-timesteps",
            lambda: ddpm().sample(2, steps=21),
            ValueError,
            r"steps must be at most the model's timesteps \(20\), got 21",
        ),
        (
            "ddpm-sample-steps-zero",
            lambda: ddpm().sample(2, steps=0),
            ValueError,
            r"steps must be an integer >= 1, got 0",
        ),
        (
            "flow-sample-steps-fraction",
            lambda: flow().sample(2, steps=2.5),
            ValueError,
            r"steps must be an integer >= "
            r"1, got 2.5",
        ),
        (
            "flow-sample-guidance-unconditional",
            lambda: flow().sample(2, guidance_scale=3.0),
            ValueError,
            r"guidance_scale needs a conditional model \(num_classes > 0\)",
        ),
        (
            "ddpm-sample-guidance-negative",
            lambda: ddpm(num_classes=10).sample(2, guidance_scale=-1.0),
            ValueError,
            r"guidance_scale must be a number in \[0.0, inf\), got -1.0",
        ),
        (
            "flow-sample-labels-out-of-range",
            lambda: flow(num_classes=10).sample(2, labels=[3, 10]),
            ValueError,
            r"labels must lie in \[0, 10\)",
        ),
        (
            "ddpm-sample-zero",
            lambda: ddpm().sample(0),
            ValueError,
            r"num_samples must be an "
            r"integer >= 1, got 0",
        ),
        (
            "ddpm-inpaint-masks-not-binary",
            lambda: ddpm().inpaint(x, np.full_like(x, 0.5)),
            ValueError,
            r"masks must hold only 0 \(known pixel\) and 1 \(missing pixel\)",
        ),
        (
            "ddpm-inpaint-masks-count",
            lambda: ddpm().inpaint(x, np.zeros((3, 8, 8))),
            ValueError,
            r"masks must hold one mask per image \(2\), got 3",
        ),
        (
            "ddpm-inpaint-wrong-size",
            lambda: ddpm().inpaint(np.zeros((2, 16, 16)), np.zeros((2, 16, 16))),
            ValueError,
            r"images must have shape \(N, 8, 8\)",
        ),
        (
            "ddpm-inpaint-masks-wrong-shape",
            lambda: ddpm().inpaint(x, np.zeros((2, 8))),
            ValueError,
            r"masks must have shape \(N, 8, 8\)",
        ),
        (
            "ddpm-inpaint-tanh-range",
            lambda: ddpm().inpaint(x * 2 - 1, np.zeros_like(x)),
            ValueError,
            r"images must lie in \[0.0, 1.0\]",
        ),
        (
            "ddpm-inpaint-point-model",
            lambda: ac.DDPM(dim=2, hidden=8, blocks=1).inpaint(x, np.zeros_like(x)),
            ValueError,
            r"model must be a point model|model is a point model",
        ),
        (
            "ddpm-predict-noise-timestep-beyond",
            lambda: ddpm().predict_noise(x, 20),
            ValueError,
            r"t must lie in \[0, 20\) \(timesteps=20\), got values in \[20, 20\]",
        ),
        (
            "ddpm-predict-noise-timestep-fraction",
            lambda: ddpm().predict_noise(x, 0.5),
            ValueError,
            r"t must be an integer timestep in \[0, 20\)",
        ),
        (
            "ddpm-predict-noise-wrong-size",
            lambda: ddpm().predict_noise(np.zeros((2, 9, 9)), 3),
            ValueError,
            r"images must have shape \(N, 8, 8\)",
        ),
        (
            "ddpm-predict-noise-nan",
            lambda: ddpm().predict_noise(nan_images, 3),
            ValueError,
            r"images contains 1 NaN or "
            r"infinite values",
        ),
        (
            "flow-predict-velocity-time-beyond-1",
            lambda: flow().predict_velocity(x, 1.5),
            ValueError,
            r"t must lie in \[0, 1\], got values in \[1.5, 1.5\]",
        ),
        (
            "flow-predict-velocity-times-count",
            lambda: flow().predict_velocity(x, [0.1, 0.2, 0.3]),
            ValueError,
            r"t must be a number in \[0, 1\] or an array of shape \(2,\), got shape "
            r"\(3,\)",
        ),
        (
            "flow-predict-velocity-labels-missing",
            lambda: flow(num_classes=10).predict_velocity(x, 0.5),
            ValueError,
            r"labels are required: the model is conditional \(num_classes=10\)",
        ),
        (
            "ddpm-loss-terms-0-255",
            lambda: ddpm().compute_losses(t(x * 255)),
            ValueError,
            r"images must lie in \[-1.0, 1.0\]",
        ),
        (
            "ddpm-loss-terms-noise-shape",
            lambda: ddpm().compute_losses(t(x), t(np.zeros((2, 5), np.float32))),
            ValueError,
            r"noise must have shape \(N, 65\), got \(2, 5\)",
        ),
        (
            "denoiser-x-shape",
            lambda: ac.Denoiser(64, hidden=8)(
                t(np.zeros((2, 63), np.float32)), t(np.zeros(2, np.float32))
            ),
            ValueError,
            r"x must have shape \(N, 64\), got \(2, 63\)",
        ),
        (
            "denoiser-t-count",
            lambda: ac.Denoiser(64, hidden=8)(
                t(np.zeros((2, 64), np.float32)), t(np.zeros(3, np.float32))
            ),
            ValueError,
            r"t must have shape \(2,\), got \(3,\)",
        ),
        (
            "denoiser-labels-to-unconditional",
            lambda: ac.Denoiser(64, hidden=8)(
                t(np.zeros((2, 64), np.float32)), t(np.zeros(2, np.float32)), t([1, 2])
            ),
            ValueError,
            r"labels were given but the model is unconditional",
        ),
        (
            "train-points-image-model",
            lambda: ac.train_points(ddpm(), np.zeros((5, 2))),
            ValueError,
            r"model must be a point model \(built with dim=...\)",
        ),
        (
            "train-points-not-a-diffusion-model",
            lambda: ac.train_points(ac.VAE(8), np.zeros((5, 2))),
            TypeError,
            r"model must be a diffusion or flow-matching model \(DDPM or "
            r"FlowMatching\), "
            r"got VAE",
        ),
        (
            "train-points-shape",
            lambda: ac.train_points(points_model(), np.zeros((5, 3))),
            ValueError,
            r"points must have shape \(N, 2\), got \(5, 3\)",
        ),
        (
            "train-points-nan",
            lambda: ac.train_points(points_model(), np.full((5, 2), np.nan)),
            ValueError,
            r"points contains 10 NaN or infinite values",
        ),
        (
            "train-points-labels-unconditional",
            lambda: ac.train_points(points_model(), np.zeros((5, 2)), [0, 1, 0, 1, 0]),
            ValueError,
            r"labels were given but the model is unconditional",
        ),
        (
            "train-points-steps-zero",
            lambda: ac.train_points(points_model(), np.zeros((5, 2)), steps=0),
            ValueError,
            r"steps must be an integer >= 1, got 0",
        ),
        (
            "style-transfer-content-weight-negative",
            lambda: style.transfer_style(photo, photo, content_weight=-1.0),
            ValueError,
            r"content_weight must be >= 0 and finite, got -1\.0",
        ),
        (
            "style-transfer-learning-rate-zero",
            lambda: style.transfer_style(photo, photo, learning_rate=0.0),
            ValueError,
            r"learning_rate must be positive and finite, got 0\.0",
        ),
        (
            "style-extractor-images-too-small",
            lambda: style.FeatureExtractor()(small_photos()),
            ValueError,
            r"images must have shape \(N, (3, H, W|H, W, 3)\) with H, W >= 4, got \(1, "
            r"(3, 2, 2|2, 2, 3)\)",
        ),
    ]
    return [
        Case(f"{name}-{row_id}", call, error, match)
        for row_id, call, error, match in rows
    ]


CASES = [
    case for name, ac, toy, style in FRAMEWORKS for case in _rows(name, ac, toy, style)
]
