"""Diffusion models (DDPM, DDIM) and flow matching in Keras 3, with classifier-free
guidance.

* :class:`Denoiser`: an MLP that sees a noisy sample, the time (sinusoidal
  embedding) and, for a conditional model, the label (or the "null" label).
* :class:`DDPM` (Ho et al., 2020): learns to predict the noise added to a
  sample (the epsilon objective); samples with ancestral DDPM steps or
  deterministic DDIM steps (Song et al., 2021), in as few steps as asked.
* :class:`FlowMatching` (Lipman et al., 2023; Liu et al., 2023): learns the
  velocity ``data - noise`` along the straight path between them; samples by
  integrating that velocity with Euler or Heun steps.

Each is a ``keras.Model`` with a ``loss`` tracker and a ``train_step``, trained
by :func:`aigc_course.keras.train` on digits in [-1, 1]
(``load_digits(..., scale="tanh")``), or on 2-D points with :func:`train_points`
(``dim=2``).  A conditional model (``num_classes > 0``) replaces the label by
the null label with probability ``label_dropout`` while training;
``sample(..., guidance_scale=s)`` mixes the conditional and unconditional
predictions (Ho & Salimans, 2022).  The samplers' loops are framework-free
(:mod:`aigc_course.maths.diffusion`).  The PyTorch twin,
:mod:`aigc_course.torch.diffusion`, has the same names and arguments.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from aigc_course.core import training as common
from aigc_course.core.checks import (
    check_label_shape,
    check_latent_shape,
    trusted_inputs,
)
from aigc_course.keras._core import nudge_weights
from aigc_course.keras._layers import (
    dense,
    images_in,
    labels_in,
    latents_in,
    own_message,
)
from aigc_course.keras.training import OneOptimizer
from aigc_course.maths import diffusion


def uniform(z):
    """Standard normal values mapped to uniform ones in (0, 1) by the normal CDF."""
    return 0.5 * (1.0 + ops.erf(z / math.sqrt(2.0)))


def timestep_embedding(t, frequencies):
    """Sinusoidal features of times ``t`` ``(N,)`` in [0, 1]: ``(N, 2 *
    len(frequencies))``."""
    angles = ops.expand_dims(t, 1) * ops.expand_dims(frequencies, 0)  # (N, half)
    return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=1)


class Denoiser(keras.Model):
    """(x_t, t[, label]) -> a vector shaped like x_t: the noise (DDPM) or the velocity
    (flow matching).

    x_t -> ``hidden``, plus the time's embedding (sinusoidal features, then an
    MLP) and, for a conditional model, the label's (one-hot, index
    ``num_classes`` meaning "no label"), then ``blocks`` residual blocks
    ``h + W2 silu(W1 silu(h))`` and a linear read-out.

    Args:
        dim: size of the vectors (``H * W`` for images, 2 for the 2-D toys).
        hidden: width of the MLP.
        blocks: residual blocks.
        num_classes: 0 for an unconditional network.
        embedding_dim: sinusoidal features of the time.
    """

    def __init__(
        self,
        dim: int,
        hidden: int = 256,
        blocks: int = 3,
        num_classes: int = 0,
        embedding_dim: int = 64,
    ):
        super().__init__()
        self.dim, self.num_classes = (
            common.check_int("dim", dim),
            common.check_int("num_classes", num_classes, minimum=0),
        )
        hidden, blocks = (
            common.check_int("hidden", hidden),
            common.check_int("blocks", blocks, minimum=0),
        )
        self.hidden, self.embedding_dim = hidden, embedding_dim
        self.frequencies = diffusion.embedding_frequencies(
            common.check_int("embedding_dim", embedding_dim, minimum=2)
        )
        e = 2 * len(self.frequencies)
        self.time = keras.Sequential(
            [dense(e, hidden), layers.Activation("silu"), dense(hidden, hidden)]
        )
        # +1: the null label
        self.label = dense(num_classes + 1, hidden) if num_classes else None
        self.inp = dense(dim, hidden)
        self.blocks = [
            keras.Sequential(
                [
                    layers.Activation("silu"),
                    dense(hidden, hidden),
                    layers.Activation("silu"),
                    dense(hidden, hidden),
                ]
            )
            for _ in range(blocks)
        ]
        self.out = keras.Sequential([layers.Activation("silu"), dense(hidden, dim)])
        # Build the weights now, so the network can be counted, copied and loaded at
        # once.
        self(
            np.zeros((1, dim), "float32"),
            np.zeros(1, "float32"),
            np.zeros(1, "int32") if num_classes else None,
        )

    @own_message()
    def call(self, x, t, labels=None, training=False):
        x = latents_in(x, self.dim, name="x")  # (N, dim)
        t = ops.convert_to_tensor(t, dtype="float32")
        check_label_shape(t.shape, x.shape[0], "t")
        # (N, hidden)
        h = self.inp(x) + self.time(timestep_embedding(t, self.frequencies))
        if self.num_classes:
            # (N,), num_classes = no label
            y = labels_in(labels, self.num_classes + 1, x.shape[0])
            h = h + self.label(ops.one_hot(ops.cast(y, "int32"), self.num_classes + 1))
        elif labels is not None:
            # the error that says the network is unconditional
            labels_in(labels, 0, x.shape[0])
        for block in self.blocks:
            h = h + block(h)
        return self.out(h)  # (N, dim)


class _Diffusion(OneOptimizer):
    """What DDPM and flow matching share: the data as vectors, the network, its average,
    guidance."""

    def _setup(
        self,
        image_size,
        dim,
        num_classes,
        hidden,
        blocks,
        learning_rate,
        ema_decay,
        label_dropout,
    ) -> None:
        if dim is None:
            self._image_size = common.check_image_size("image_size", image_size)
            # images in [-1, 1], like a tanh
            self.data_shape, self.pixel_range = (self._image_size,) * 2, (-1.0, 1.0)
        else:
            # any range
            self._image_size, self.data_shape, self.pixel_range = (
                None,
                (common.check_int("dim", dim),),
                None,
            )
        self.dim = int(np.prod(self.data_shape))
        self.num_classes = common.check_int("num_classes", num_classes, minimum=0)
        self.label_dropout = common.check_float(
            "label_dropout", label_dropout, 0.0, 1.0, high_open=True
        )
        # The trainer's noise per sample: dim for epsilon, one for the time, one for the
        # label dropout.
        self.noise_dim = self.dim + 1 + (1 if self.num_classes else 0)
        self.denoiser = Denoiser(self.dim, hidden, blocks, self.num_classes)
        self.ema_decay = common.check_float(
            "ema_decay", ema_decay, 0.0, 1.0, high_open=True
        )
        self.denoiser_ema = _averaged_copy(self.denoiser) if self.ema_decay else None
        # A third of an eager call's time is Keras' and Python's own; traced once per
        # shape, it goes away.
        self._inference = tf.function(
            self._infer, reduce_retracing=True, autograph=False
        )
        self._track_losses(("loss",))
        self._compile(learning_rate)

    def call(self, x, t, labels=None, training=False):
        return self.denoiser(x, t, labels, training=training)

    @property
    def image_size(self) -> int:
        """Side of the images the model generates; a point model has none (the trainer
        reads this first)."""
        if self._image_size is None:
            raise ValueError(
                f"model is a point model (dim={self.dim}): it generates points, not "
                "images; "
                "train it with train_points(model, points)"
            )
        return self._image_size

    def compute_losses(self, images, noise=None, labels=None) -> dict:
        """``loss``: the (weighted) mean squared error of the network's prediction on
        one batch; the noise decides the rest."""
        x0 = self._vectors(images, self.pixel_range)  # (N, dim)
        if noise is None:
            noise = keras.random.normal(
                (ops.shape(x0)[0], self.noise_dim), seed=self.seed_generator
            )
        noise = ops.convert_to_tensor(noise, "float32")
        with own_message():
            check_latent_shape(noise.shape, self.noise_dim, "noise")
        x_t, t, target, weight = self._corrupt(
            x0, noise[:, : self.dim], noise[:, self.dim]
        )
        if self.num_classes:
            y = ops.cast(labels_in(labels, self.num_classes, x0.shape[0]), "int32")
            dropped = uniform(noise[:, self.dim + 1]) < self.label_dropout
            # the null label, at random
            labels = ops.where(dropped, self.num_classes, y)
        # (N, dim)
        squared = ops.square(self.denoiser(x_t, t, labels, training=True) - target)
        return {"loss": ops.mean(weight * ops.mean(squared, axis=1))}

    def train_step(self, data):
        """One Adam step, then the moving average of the weights moves towards them."""
        logs = super().train_step(data)
        if self.denoiser_ema is not None:
            for average, weight in zip(
                self.denoiser_ema.weights, self.denoiser.weights
            ):
                average.assign(average + (1.0 - self.ema_decay) * (weight - average))
        return logs

    def _vectors(self, x, pixel_range=None):
        """Images ``(N, H, W)`` (or a point model's ``(N, dim)``) as float32 ``(N,
        dim)``; when concrete, finite (and within ``pixel_range`` when given)."""
        if self._image_size is None:
            return latents_in(x, self.dim, name="x")
        images = images_in(x, self._image_size, pixel_range=pixel_range)  # (N, H, W, 1)
        return ops.reshape(images, (-1, self.dim))  # (N, H*W)

    def _predict(self, x: np.ndarray, t: np.ndarray, labels) -> np.ndarray:
        """The network :meth:`sample` uses (the average, if kept) through the NumPy
        boundary, its inputs already checked: a compiled call, as a sampler calls it
        tens of times on the same shapes."""
        return ops.convert_to_numpy(
            self._inference(x, t) if labels is None else self._inference(x, t, labels)
        )

    def _infer(self, x, t, labels=None):
        network = self.denoiser if self.denoiser_ema is None else self.denoiser_ema
        return network(x, t, labels)

    def _start(self, num_samples, labels, seed, guidance_scale):
        """The starting noise ``(N, dim)`` and the (guided) prediction function of a
        sampler."""
        x = common.sample_noise(num_samples, self.dim, seed)
        labels = self._labels(labels, num_samples)
        scale = diffusion.check_guidance(guidance_scale, self.num_classes)
        return x, diffusion.guided(self._predict, labels, self.num_classes, scale)

    def _checked(self, x_t, t_checker, labels):
        """``x_t`` as NumPy ``(N, dim)``, ``t`` checked, labels checked: the arguments
        of a public prediction."""
        x = ops.convert_to_numpy(self._vectors(x_t))  # noisy samples: any real values
        return (
            x,
            t_checker(len(x)),
            common.check_labels(labels, self.num_classes, len(x)),
        )

    def _shaped(self, x: np.ndarray, final: bool = True) -> np.ndarray:
        """Vectors ``(..., dim)`` back in the data's shape: images ``(..., H, W)``,
        clipped to [-1, 1] when final."""
        if final and self.pixel_range is not None:
            x = np.clip(x, *self.pixel_range)
        return x.reshape(*x.shape[:-1], *self.data_shape)

    def _finish(self, out: np.ndarray, trajectory: bool) -> np.ndarray:
        """A sampler's result in the data's shape: the samples ``(N, dim)``, or its path
        ``(steps + 1, N, dim)`` (unclipped but for the last state, which is the
        samples)."""
        if not trajectory:
            return self._shaped(out)
        return np.concatenate(
            [self._shaped(out[:-1], final=False), self._shaped(out[-1])[None]]
        )

    def _labels(self, labels, num_samples: int):
        if labels is None and self.num_classes:
            labels = common.default_labels(num_samples, self.num_classes)
        return common.check_labels(labels, self.num_classes, num_samples)


class DDPM(_Diffusion):
    """A denoising diffusion model trained on the epsilon objective (Ho et al., 2020,
    eq. 14), weighted per timestep.

    Args:
        image_size: side of the square images (8, 16 or 28), pixels in [-1, 1].
        num_classes: 0 for an unconditional model; else the labels it is
            conditioned on, with classifier-free guidance at sampling time.
        timesteps: T, the length of the noising chain.
        schedule: ``"cosine"`` (Nichol & Dhariwal, 2021) or ``"linear"`` (Ho et al.).
        min_snr_gamma: weight each timestep's squared error by min(SNR, gamma) / SNR
            (Hang et al., 2023): the nearly clean timesteps, easy and many, count less,
            which speeds training up; 0 gives Ho et al.'s unweighted L_simple.
        hidden, blocks: width and residual blocks of the :class:`Denoiser`.
        learning_rate: Adam's step size.
        ema_decay: sample from an exponential moving average of the weights
            (``w_ema <- w_ema + (1 - ema_decay) (w - w_ema)`` after every step); 0 turns
            it off.
        label_dropout: probability of training on the null label instead of the true
        one.
        dim: generate vectors of this size (2 for the 2-D toys of
            :mod:`aigc_course.data`, trained with :func:`train_points`) instead
            of images; ``image_size`` is then not used.
    """

    def __init__(
        self,
        image_size: int = 8,
        num_classes: int = 0,
        timesteps: int = 1000,
        schedule: str = "cosine",
        min_snr_gamma: float = 5.0,
        hidden: int = 256,
        blocks: int = 3,
        learning_rate: float = 2e-3,
        ema_decay: float = 0.999,
        label_dropout: float = 0.1,
        dim: int | None = None,
    ):
        super().__init__()
        self.timesteps = common.check_int("timesteps", timesteps, minimum=2)
        self.schedule = common.check_choice("schedule", schedule, diffusion.SCHEDULES)
        self.min_snr_gamma = common.check_nonnegative("min_snr_gamma", min_snr_gamma)
        # float64 (T,), NumPy: for the samplers
        self.betas = diffusion.noise_schedule(schedule, timesteps)
        self.alpha_bars = diffusion.alpha_bar(self.betas)
        # what training gathers from, as in PyTorch
        self._alpha_bars32 = self.alpha_bars.astype(np.float32)
        self._setup(
            image_size,
            dim,
            num_classes,
            hidden,
            blocks,
            learning_rate,
            ema_decay,
            label_dropout,
        )

    def _corrupt(self, x0, eps, z):
        """x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) eps at a timestep drawn uniformly by
        ``z``; the target is eps."""
        # (N,) in [0, T)
        step = ops.cast(
            ops.minimum(ops.floor(uniform(z) * self.timesteps), self.timesteps - 1),
            "int32",
        )
        a = ops.take(ops.convert_to_tensor(self._alpha_bars32), step)  # (N,)
        x_t = (
            ops.expand_dims(ops.sqrt(a), 1) * x0
            + ops.expand_dims(ops.sqrt(1.0 - a), 1) * eps
        )
        return x_t, ops.cast(step, "float32") / self.timesteps, eps, self._weight(a)

    def _weight(self, a):
        """Min-SNR-gamma weights min(SNR, gamma) / SNR, SNR = ab / (1 - ab) (Hang et
        al., 2023); 1 when gamma = 0."""
        if not self.min_snr_gamma:
            return ops.ones_like(a)
        snr = a / (1.0 - a)
        return ops.minimum(snr, self.min_snr_gamma) / snr

    def predict_noise(self, x_t, t, labels=None) -> np.ndarray:
        """The network's estimate of the noise in ``x_t`` at timesteps ``t`` (integers
        in [0, T)), NumPy.

        ``x_t`` may be any real numbers (noisy images leave [-1, 1]); the shape of the
        data.
        """
        x, t, labels = self._checked(
            x_t, lambda n: diffusion.check_timesteps(t, n, self.timesteps), labels
        )
        return self._shaped(
            self._predict(x, (t / self.timesteps).astype(np.float32), labels),
            final=False,
        )

    def sample(
        self,
        num_samples: int = 16,
        labels=None,
        seed: int = 0,
        steps: int | None = None,
        method: str = "ddpm",
        guidance_scale: float | None = None,
        trajectory: bool = False,
    ) -> np.ndarray:
        """``num_samples`` images ``(N, H, W)`` in [-1, 1] (or points ``(N, dim)``) as
        NumPy.

        Args:
            labels: for a conditional model (default 0, 1, 2, ...).
            seed: the starting noise and DDPM's noise come from NumPy with it, so
                the PyTorch twin with the same weights draws the same images.
            steps: network evaluations, at most ``timesteps``; ``None``: 50, or
            ``timesteps`` if fewer.
            method: ``"ddpm"`` (ancestral, stochastic) or ``"ddim"`` (deterministic).
            guidance_scale: 1 is the conditional model alone; above 1, classifier-free
                guidance pushes further towards the label; ``None``: 1.5 for a
                conditional model.
            trajectory: return the whole path from noise, ``(steps + 1, N, ...)``.
        """
        x, predict = self._start(num_samples, labels, seed, guidance_scale)
        # x_0 predictions clipped to the images' range (None for points)
        clip = self.pixel_range
        steps = min(diffusion.DDPM_STEPS, self.timesteps) if steps is None else steps
        out = diffusion.sample_ddpm(
            predict, x, self.alpha_bars, steps, method, seed, clip, trajectory
        )
        return self._finish(out, trajectory)

    def inpaint(
        self,
        images,
        masks,
        seed: int = 0,
        steps: int | None = None,
        method: str = "ddpm",
        labels=None,
        guidance_scale: float | None = None,
    ) -> np.ndarray:
        """Fill the holes of ``images`` by sampling from the model (RePaint, Lugmayr et
        al., 2022): NumPy ``(N, H, W)`` in [0, 1].

        The model was never trained on holes: at every step of :meth:`sample` the
        known pixels are replaced by themselves noised to that step, so the network
        draws a whole digit that agrees with them.  Known pixels come back unchanged.

        Args:
            images: ``(N, H, W)`` in [0, 1] (``load_digits(..., scale="unit")``, the
                range of :class:`~aigc_course.keras.inpainting.Inpainter`); the model
                sees them in [-1, 1].
            masks: ``(N, H, W)``, 1 where a pixel is missing, 0 where it is known.
            seed: the noise, from NumPy: each seed draws another repair, and the
                PyTorch twin with the same weights draws the same one.
            steps, method, labels, guidance_scale: as for :meth:`sample`.
        """
        images, masks = diffusion.check_repair(images, masks, self.image_size)
        x, predict = self._start(len(images), labels, seed, guidance_scale)
        steps = min(diffusion.DDPM_STEPS, self.timesteps) if steps is None else steps
        known = (2.0 * images - 1.0).reshape(len(images), -1)  # [0, 1] -> [-1, 1]
        out = diffusion.sample_ddpm(
            predict,
            x,
            self.alpha_bars,
            steps,
            method,
            seed,
            self.pixel_range,
            known=known,
            mask=masks.reshape(len(masks), -1),
        )
        filled = (self._shaped(out) + 1.0) / 2.0
        # the given pixels themselves, not their round trip through [-1, 1]
        return np.where(masks > 0.5, filled, images).astype(np.float32)


class FlowMatching(_Diffusion):
    """Flow matching on the straight path x_t = (1 - t) noise + t data; the network
    learns the velocity.

    Args:
        time_sampling: how training draws t: ``"logit_normal"`` (the sigmoid of a
            standard normal, Esser et al., 2024: more of the middle of the path,
            where the velocity is hardest to tell) or ``"uniform"``.
        image_size, num_classes, hidden, blocks, learning_rate, ema_decay,
        label_dropout, dim: as for :class:`DDPM`.
    """

    def __init__(
        self,
        image_size: int = 8,
        num_classes: int = 0,
        time_sampling: str = "logit_normal",
        hidden: int = 256,
        blocks: int = 3,
        learning_rate: float = 2e-3,
        ema_decay: float = 0.999,
        label_dropout: float = 0.1,
        dim: int | None = None,
    ):
        super().__init__()
        self.time_sampling = common.check_choice(
            "time_sampling", time_sampling, diffusion.TIME_SAMPLINGS
        )
        self._setup(
            image_size,
            dim,
            num_classes,
            hidden,
            blocks,
            learning_rate,
            ema_decay,
            label_dropout,
        )

    def _corrupt(self, x0, eps, z):
        """x_t on the straight path at a time drawn by ``z``; the target is the velocity
        x0 - eps."""
        # (N,)
        t = ops.sigmoid(z) if self.time_sampling == "logit_normal" else uniform(z)
        return (1.0 - t[:, None]) * eps + t[:, None] * x0, t, x0 - eps, ops.ones_like(t)

    def predict_velocity(self, x_t, t, labels=None) -> np.ndarray:
        """The network's velocity at ``x_t`` and times ``t`` in [0, 1], NumPy, in the
        shape of the data."""
        x, t, labels = self._checked(x_t, lambda n: diffusion.check_times(t, n), labels)
        return self._shaped(self._predict(x, t, labels), final=False)

    def sample(
        self,
        num_samples: int = 16,
        labels=None,
        seed: int = 0,
        steps: int = 10,
        method: str = "heun",
        guidance_scale: float | None = None,
        trajectory: bool = False,
    ) -> np.ndarray:
        """``num_samples`` images ``(N, H, W)`` in [-1, 1] (or points ``(N, dim)``) as
        NumPy.

        Args:
            steps: ODE steps from t = 0 to 1 (Heun calls the network twice per step).
            method: ``"euler"`` or ``"heun"``.
            (the others as for :meth:`DDPM.sample`)
        """
        x, predict = self._start(num_samples, labels, seed, guidance_scale)
        out = diffusion.sample_flow(predict, x, steps, method, trajectory)
        return self._finish(out, trajectory)


def _averaged_copy(denoiser: Denoiser) -> Denoiser:
    """A frozen twin of ``denoiser`` (same arguments) holding a copy of its weights."""
    twin = Denoiser(
        denoiser.dim,
        denoiser.hidden,
        len(denoiser.blocks),
        denoiser.num_classes,
        denoiser.embedding_dim,
    )
    twin.set_weights(denoiser.get_weights())
    twin.trainable = False  # never in the optimizer; moved by train_step
    return twin


def train_points(
    model,
    points,
    labels=None,
    *,
    steps: int = 2000,
    batch_size: int = 256,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train a point model (``DDPM(dim=2)`` or ``FlowMatching(dim=2)``) on ``points``
    ``(N, dim)``; per-step history.

    The 2-D toys are not images, so :func:`aigc_course.keras.train` does not
    take them; this loop runs the model's own ``train_step`` (compiled once).
    Batches and noise come from ``numpy.random.default_rng(seed)``, so the
    PyTorch twin sees the same numbers.

    Returns:
        ``{"step": [1, 2, ...], "loss": [...]}``, one value per step.
    """
    points, labels = diffusion.check_point_training(
        model, (DDPM, FlowMatching), points, labels, steps, batch_size, seed
    )
    nudge_weights(model)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    rng = np.random.default_rng(seed)
    tracker = model.trackers["loss"]

    def step(batch):
        # the loss of this step alone, not the running mean Keras' fit reports
        tracker.reset_state()
        return model.train_step(batch)["loss"]

    compiled = tf.function(step, autograph=False)
    history = {}
    with trusted_inputs():  # the points were checked once above
        for step in range(steps):
            batch = diffusion.point_batch(
                rng, points, labels, batch_size, model.noise_dim
            )
            common.record(history, step + 1, {"loss": compiled(batch)})
    return history
