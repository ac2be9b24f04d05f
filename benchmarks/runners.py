"""Runners for the time-to-quality benchmark, and the registry that lists them.

A runner owns one model in one framework.  The harness asks it to train for a
number of seconds on a clock it passes in (CPU time of the process by default,
see the harness) with :meth:`Runner.train_for`, and, with the clock stopped,
for samples (:meth:`Runner.sample`).  To measure a new trainer, write a small
class with those two methods and register a factory::

    @register("mlp_gan/torch-mine", model="mlp_gan", framework="torch")
    def _mine(images, *, batch_size, seed):
        # its docstring's first line is what --list shows
        return MyRunner(images, batch_size=batch_size, seed=seed)

Subclassing :class:`StepRunner` and writing ``train_step`` (one batch) is enough
for most: it supplies ``train_for`` and the batches.

Two kinds of runner live here:

* written in the benchmark on purpose: the classic Keras loop, the yardstick
  we measure against, and minimal "compiled step" references.  They train the
  MLP GAN

      G: z (100) -> 128 -> 256 -> 512 -> 784, tanh, reshaped to 28x28
      D: 784 -> 512 -> 256 -> 1 (LeakyReLU 0.2 in both)

  with Adam(lr=2e-4, beta_1=0.5) and binary cross-entropy, on the same
  batches of 64 training digits;
* :class:`PackageRunner`: the package's own models (the same MLP GAN, the
  DCGAN, the MLP VAE, the diffusion and flow-matching models) trained by the
  package's own ``train``, with its defaults or with tuned arguments.

The diffusion models train and are scored at 8x8 (``DIFFUSION_IMAGE_SIZE``); so
do the GAN and VAE runners whose names end in ``-8px``, for the family portrait
of all four at one resolution and budget.  A conditional runner samples the
labels 0, 1, ..., 9 in turn and sets ``sample_labels``, so the harness also
reports how often the reference classifier reads the asked-for digit.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable, Protocol

import numpy as np

from aigc_course.data import batches

LATENT_DIM = 100
LEARNING_RATE = 2e-4
BETA_1 = 0.5


class Runner(Protocol):
    """What the harness needs from a trainer."""

    steps: int  # batches trained so far

    def train_for(
        self, seconds: float, clock: Callable[[], float] = time.process_time
    ) -> None:
        """Train until ``clock`` has advanced about ``seconds`` more (finishing the
        batch under way)."""

    def sample(self, num_samples: int, seed: int = 0) -> np.ndarray:
        """``num_samples`` images ``(N, H, W)`` in [-1, 1]; not timed."""


@dataclasses.dataclass(frozen=True)
class RunnerSpec:
    name: str  # "<model>/<framework>-<variant>", e.g. "mlp_gan/keras-classic"
    model: str  # what is trained: "mlp_gan", ...
    framework: str  # "keras" or "torch"
    factory: Callable[..., Runner]  # factory(images, *, batch_size, seed) -> Runner
    # the yardstick the other runners of the model are compared with
    baseline: bool = False
    default: bool = True  # part of a run that names no runner
    image_size: int = 28
    description: str = ""


RUNNERS: dict[str, RunnerSpec] = {}


def register(
    name: str,
    *,
    model: str,
    framework: str,
    baseline: bool = False,
    default: bool = True,
    image_size: int = 28,
    description: str | None = None,
):
    """Decorator that adds a runner factory to :data:`RUNNERS` (described by its
    docstring's first line)."""

    def add(factory):
        if name in RUNNERS:
            raise ValueError(f"a runner named {name!r} is already registered")
        doc = (factory.__doc__ or "").strip().splitlines()
        text = description if description is not None else (doc[0] if doc else "")
        RUNNERS[name] = RunnerSpec(
            name, model, framework, factory, baseline, default, image_size, text
        )
        return factory

    return add


class StepRunner:
    """Base class: ``train_for`` calls ``train_step(real_batch, noise)`` over shuffled
    epochs.

    Every runner sees the same batches (the package's framework-free
    ``batches``, reshuffled each epoch with the epoch number as seed; the
    ragged last batch is dropped) and the same noise, drawn with NumPy.
    """

    def __init__(self, images: np.ndarray, *, batch_size: int = 64, seed: int = 0):
        self.images = images.astype(np.float32)
        self.batch_size = batch_size
        self.steps = 0
        self.epoch = 0
        self._rng = np.random.default_rng(seed)
        self._batches = iter(())

    def _next_batch(self) -> np.ndarray:
        batch = next(self._batches, None)
        if batch is None:  # end of an epoch: reshuffle
            self.epoch += 1
            self._batches = batches(
                self.images, self.batch_size, seed=self.epoch, drop_last=True
            )
            batch = next(self._batches)
        return batch

    def train_for(
        self, seconds: float, clock: Callable[[], float] = time.process_time
    ) -> None:
        stop = clock() + seconds
        while clock() < stop:
            real = self._next_batch()  # (B, 28, 28)
            # (B, 100)
            noise = self._rng.standard_normal((len(real), LATENT_DIM)).astype(
                np.float32
            )
            self.train_step(real, noise)
            self.steps += 1

    def train_step(self, real: np.ndarray, noise: np.ndarray) -> None:
        raise NotImplementedError

    @staticmethod
    def _noise(num_samples: int, seed: int) -> np.ndarray:
        return (
            np.random.default_rng(seed)
            .standard_normal((num_samples, LATENT_DIM))
            .astype(np.float32)
        )


# --------------------------------------------------------------------------
# Keras
# --------------------------------------------------------------------------


def _keras_mlp_gan(init: str = "keras"):
    """The MLP generator and discriminator as ``keras.Sequential`` models (D ends in a
    sigmoid).

    ``init="torch"`` draws every weight and bias from U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), PyTorch's default for ``nn.Linear``, instead of Keras'
    Glorot-uniform weights and zero biases.
    """
    import keras
    from keras import layers

    def dense(units, fan_in, **kwargs):
        if init == "torch":
            bound = 1.0 / np.sqrt(fan_in)
            kwargs.update(
                kernel_initializer=keras.initializers.RandomUniform(-bound, bound),
                bias_initializer=keras.initializers.RandomUniform(-bound, bound),
            )
        return layers.Dense(units, **kwargs)

    generator = keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            dense(128, LATENT_DIM), layers.LeakyReLU(0.2),
            dense(256, 128), layers.LeakyReLU(0.2),
            dense(512, 256), layers.LeakyReLU(0.2),
            dense(784, 512, activation="tanh"),
            layers.Reshape((28, 28)),
        ],
        name="generator",
    )  # fmt: skip
    discriminator = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Flatten(),
            dense(512, 784), layers.LeakyReLU(0.2),
            dense(256, 512), layers.LeakyReLU(0.2),
            dense(1, 256, activation="sigmoid"),
        ],
        name="discriminator",
    )  # fmt: skip
    return generator, discriminator


def _keras_sample(generator, num_samples: int, seed: int) -> np.ndarray:
    noise = StepRunner._noise(num_samples, seed)
    return np.asarray(generator(noise, training=False))  # (N, 28, 28)


class KerasClassicGAN(StepRunner):
    """The loop of many Keras textbooks: ``train_on_batch`` on D, then on
    ``Sequential([G, D])`` with D frozen.

    Per batch: ``generator.predict`` makes the fakes, D takes one Adam step on
    the real half and another on the fake half, then the combined model takes
    one step for G with "real" labels.
    """

    def __init__(self, images, *, batch_size=64, seed=0):
        import keras

        super().__init__(images, batch_size=batch_size, seed=seed)
        self.generator, self.discriminator = _keras_mlp_gan()
        self.discriminator.compile(
            loss="binary_crossentropy",
            optimizer=keras.optimizers.Adam(LEARNING_RATE, BETA_1),
            metrics=["accuracy"],
        )
        self.discriminator.trainable = False
        self.combined = keras.Sequential([self.generator, self.discriminator])
        self.combined.compile(
            loss="binary_crossentropy",
            optimizer=keras.optimizers.Adam(LEARNING_RATE, BETA_1),
        )
        self.ones = np.ones((batch_size, 1), dtype=np.float32)
        self.zeros = np.zeros((batch_size, 1), dtype=np.float32)

    def train_step(self, real, noise):
        fake = self.generator.predict(noise, verbose=0)  # (B, 28, 28)
        # Keras 3 reads `trainable` when a model's train function is first
        # traced, not at compile time as Keras 2 did.  The Keras 2 textbook
        # order (compile D, freeze, compile the combined model) would leave D
        # untrained on Keras 3; switching the flag around each call restores
        # the textbook's meaning: D learns in its own step, not in G's.
        self.discriminator.trainable = True
        self.discriminator.train_on_batch(real, self.ones)
        self.discriminator.train_on_batch(fake, self.zeros)
        self.discriminator.trainable = False
        self.combined.train_on_batch(noise, self.ones)

    def sample(self, num_samples, seed=0):
        return _keras_sample(self.generator, num_samples, seed)


class KerasCompiledGAN(StepRunner):
    """One ``tf.function`` per batch: D and G steps with ``tf.GradientTape``, no
    ``predict``, no ``train_on_batch``.

    D takes one Adam step on the sum of its real and fake losses (as in
    PyTorch's DCGAN example), G one step on the non-saturating loss.
    """

    def __init__(self, images, *, batch_size=64, seed=0, init="keras"):
        import keras
        import tensorflow as tf

        super().__init__(images, batch_size=batch_size, seed=seed)
        self.generator, self.discriminator = _keras_mlp_gan(init)
        self.g_optimizer = keras.optimizers.Adam(LEARNING_RATE, BETA_1)
        self.d_optimizer = keras.optimizers.Adam(LEARNING_RATE, BETA_1)
        self.bce = keras.losses.BinaryCrossentropy()
        # No autograph: the step has no Python control flow to convert, and autograph
        # re-reads this file's source, so editing it during a run would break the run.
        self._compiled_step = tf.function(self._step, autograph=False)

    def _step(self, real, noise):
        import tensorflow as tf

        ones = tf.ones((tf.shape(real)[0], 1))
        zeros = tf.zeros((tf.shape(real)[0], 1))
        # (1) Update D: maximize log D(x) + log(1 - D(G(z)))
        with tf.GradientTape() as tape:
            fake = self.generator(noise, training=True)  # (B, 28, 28)
            d_loss = self.bce(ones, self.discriminator(real, training=True)) + self.bce(
                zeros, self.discriminator(fake, training=True)
            )
        weights = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        # (2) Update G: maximize log D(G(z))
        with tf.GradientTape() as tape:
            g_loss = self.bce(
                ones,
                self.discriminator(self.generator(noise, training=True), training=True),
            )
        weights = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        return d_loss, g_loss

    def train_step(self, real, noise):
        self._compiled_step(real, noise)

    def sample(self, num_samples, seed=0):
        return _keras_sample(self.generator, num_samples, seed)


@register("mlp_gan/keras-classic", model="mlp_gan", framework="keras", baseline=True)
def _keras_classic(images, *, batch_size, seed):
    """Baseline: combined Sequential([G, D]) with D frozen, train_on_batch, predict per
    batch."""
    return KerasClassicGAN(images, batch_size=batch_size, seed=seed)


@register("mlp_gan/keras-compiled", model="mlp_gan", framework="keras", default=False)
def _keras_compiled(images, *, batch_size, seed):
    """Reference: custom step, tf.GradientTape inside tf.function, Keras default
    init."""
    return KerasCompiledGAN(images, batch_size=batch_size, seed=seed)


@register(
    "mlp_gan/keras-compiled-torchinit",
    model="mlp_gan",
    framework="keras",
    default=False,
)
def _keras_compiled_torchinit(images, *, batch_size, seed):
    """Reference: as keras-compiled, with PyTorch's default nn.Linear initialisation."""
    return KerasCompiledGAN(images, batch_size=batch_size, seed=seed, init="torch")


# --------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------


class TorchLoopGAN(StepRunner):
    """A plain PyTorch loop: D step on real + fake, then G step; D returns logits."""

    def __init__(self, images, *, batch_size=64, seed=0):
        import torch
        from torch import nn

        super().__init__(images, batch_size=batch_size, seed=seed)
        self.torch = torch
        self.generator = nn.Sequential(
            nn.Linear(LATENT_DIM, 128), nn.LeakyReLU(0.2),
            nn.Linear(128, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, 784), nn.Tanh(),
            nn.Unflatten(1, (28, 28)),
        )  # fmt: skip
        # Logits, not a sigmoid: BCEWithLogitsLoss is the same loss, computed stably.
        self.discriminator = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, 1),
        )  # fmt: skip
        self.g_optimizer = torch.optim.Adam(
            self.generator.parameters(), lr=LEARNING_RATE, betas=(BETA_1, 0.999)
        )
        self.d_optimizer = torch.optim.Adam(
            self.discriminator.parameters(), lr=LEARNING_RATE, betas=(BETA_1, 0.999)
        )
        self.bce = nn.BCEWithLogitsLoss()

    def train_step(self, real, noise):
        torch = self.torch
        real, noise = torch.from_numpy(real), torch.from_numpy(noise)
        ones, zeros = torch.ones(len(real), 1), torch.zeros(len(real), 1)
        # (1) Update D: maximize log D(x) + log(1 - D(G(z)))
        fake = self.generator(noise)  # (B, 28, 28)
        d_loss = self.bce(self.discriminator(real), ones) + self.bce(
            self.discriminator(fake.detach()), zeros
        )
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()
        # (2) Update G: maximize log D(G(z))
        g_loss = self.bce(self.discriminator(fake), ones)
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()

    def sample(self, num_samples, seed=0):
        with self.torch.no_grad():
            # (N, 28, 28)
            return self.generator(
                self.torch.from_numpy(self._noise(num_samples, seed))
            ).numpy()


@register("mlp_gan/torch-loop", model="mlp_gan", framework="torch", default=False)
def _torch_loop(images, *, batch_size, seed):
    """Reference: plain PyTorch loop, PyTorch default init."""
    return TorchLoopGAN(images, batch_size=batch_size, seed=seed)


# --------------------------------------------------------------------------
# The package's own trainers
# --------------------------------------------------------------------------


class PackageRunner:
    """Trains a model of ``aigc_course.keras`` or ``aigc_course.torch`` with the
    package's own ``train``.

    What is timed is the code path a reader runs, Keras' ``fit`` included.
    ``train_for`` makes one ``train(..., steps=n)`` call sized, from the pace
    measured so far, to fill the time left (so a 5-second slice is one ``fit``,
    not one per epoch), then tops up with smaller calls until the clock is
    reached.  A slice runs over when the pace changes within it (by up to about
    a second); the harness records the time actually trained.  The package draws the
    order and the noise of each epoch from ``(seed, epoch)``;
    every call gets a new seed, so no two calls see the same order or noise.

    ``unit_pixels``: the model works on [0, 1] images (the VAE); the runner
    converts the harness' [-1, 1] digits for training and its samples back.
    ``labels``: the training digits' labels, for a conditional model.
    """

    def __init__(
        self,
        ac,
        model,
        images,
        *,
        batch_size=64,
        seed=0,
        unit_pixels=False,
        labels=None,
    ):
        self.ac, self.model, self.labels = ac, model, labels
        self.unit_pixels = unit_pixels
        self.images = (
            np.clip((images + 1.0) / 2.0, 0.0, 1.0) if unit_pixels else images
        ).astype(np.float32)
        self.batch_size = batch_size
        # the package drops the ragged last batch
        self.steps_per_epoch = len(images) // batch_size
        self.seed = seed
        self.steps = self.calls = 0
        self.seconds_per_step = None  # measured on the clock the harness passes

    def train_for(self, seconds, clock=time.process_time):
        stop = clock() + seconds
        while (left := stop - clock()) > 0:
            # Until the pace is known, one epoch per call.  Not from the first call:
            # a Keras model traces its step there.  Nor from calls shorter than an
            # epoch, which are mostly the call's own overhead.
            steps = (
                self.steps_per_epoch
                if self.seconds_per_step is None
                else max(int(left / self.seconds_per_step), 1)
            )
            start = clock()
            self.ac.train(
                self.model,
                self.images,
                self.labels,
                steps=steps,
                batch_size=self.batch_size,
                seed=self.seed + 1000 * self.calls,
            )
            if self.calls and steps >= self.steps_per_epoch:
                self.seconds_per_step = (clock() - start) / steps
            self.calls += 1
            self.steps += steps

    def sample(self, num_samples, seed=0):
        # (N, H, W)
        images = np.asarray(self.model.sample(num_samples, seed=seed), dtype=np.float32)
        return images * 2.0 - 1.0 if self.unit_pixels else images


def package(framework: str):
    """``aigc_course.keras`` or ``aigc_course.torch``, imported on first use."""
    if framework == "keras":
        from aigc_course import keras as ac
    elif framework == "torch":
        from aigc_course import torch as ac
    else:
        raise ValueError(f"framework must be 'keras' or 'torch', got {framework!r}")
    return ac


def package_gan(
    framework, images, *, batch_size=64, seed=0, architecture="mlp", **gan_kwargs
) -> PackageRunner:
    """``ac.GAN`` on the MLP or DCGAN pair at the images' size; ``gan_kwargs`` go to
    ``ac.GAN`` (the package's defaults otherwise)."""
    ac = package(framework)
    pair = {
        "mlp": (ac.MLPGenerator, ac.MLPDiscriminator),
        "dcgan": (ac.DCGANGenerator, ac.DCGANDiscriminator),
    }
    generator, discriminator = pair[architecture]
    size = images.shape[1]
    model = ac.GAN(generator(size), discriminator(size), **gan_kwargs)
    return PackageRunner(ac, model, images, batch_size=batch_size, seed=seed)


def package_vae(
    framework, images, *, batch_size=64, seed=0, **vae_kwargs
) -> PackageRunner:
    """``ac.VAE`` (MLP, latent 2 by default) at the images' size, trained on [0, 1]
    pixels."""
    ac = package(framework)
    return PackageRunner(
        ac,
        ac.VAE(images.shape[1], **vae_kwargs),
        images,
        batch_size=batch_size,
        seed=seed,
        unit_pixels=True,
    )


def _register_both(
    variant: str,
    model: str,
    description: str,
    make,
    default: bool = True,
    image_size: int = 28,
) -> None:
    """Register ``<model>/keras-<variant>`` and ``<model>/torch-<variant>``:
    ``make(framework, images, batch_size=, seed=)``."""
    for framework in ("keras", "torch"):

        def factory(images, *, batch_size, seed, framework=framework):
            return make(framework, images, batch_size=batch_size, seed=seed)

        register(
            f"{model}/{framework}-{variant}",
            model=model,
            framework=framework,
            default=default,
            image_size=image_size,
            description=description,
        )(factory)


_register_both(
    "package",
    "mlp_gan",
    "The package: ac.GAN(MLPGenerator, MLPDiscriminator) with its defaults, ac.train.",
    package_gan,
)
# Found with `python -m benchmarks.tune_mlp_gan` (see the README), in two rounds:
# Adam without momentum at five times the default step size, then D at half
# G's step size and samples drawn from a moving average of G's weights.
# Arguments of ac.GAN only; the package's defaults, which the book's stored
# outputs depend on, stay as they are.
FAST_ADAM_MLP_GAN = {"learning_rate": 1e-3, "beta_1": 0.0}
TUNED_MLP_GAN = {**FAST_ADAM_MLP_GAN, "d_learning_rate": 5e-4, "ema_decay": 0.995}
_register_both(
    "package-tuned", "mlp_gan",
    "The package's MLP GAN, tuned: ac.GAN(..., learning_rate=1e-3, beta_1=0.0, "
    "d_learning_rate=5e-4, ema_decay=0.995).",
    functools.partial(package_gan, **TUNED_MLP_GAN),
)  # fmt: skip
_register_both(
    "package-lr1e-3", "mlp_gan", "The first round of tuning only: ac.GAN(..., "
                                 "learning_rate=1e-3, beta_1=0.0).",
    functools.partial(package_gan, **FAST_ADAM_MLP_GAN), default=False,
)  # fmt: skip
_register_both(
    "package", "dcgan", "The package: ac.GAN(DCGANGenerator, DCGANDiscriminator) with "
                        "its defaults, ac.train.",
    functools.partial(package_gan, architecture="dcgan"),
)  # fmt: skip
_register_both(
    "package",
    "vae",
    "The package: ac.VAE(28) (MLP, latent 2) with its defaults, "
    "ac.train on [0, 1] pixels.",
    package_vae,
)


# --------------------------------------------------------------------------
# Diffusion and flow matching, and the family portrait at their resolution
# --------------------------------------------------------------------------

DIFFUSION_IMAGE_SIZE = 8
# Per CPU second, the 8x8 flow-matching model learned as much in batches of 64 as of 128
# (0.89 and 0.88 confident after 60 s) and less in batches of 256 (0.86); 128 makes half
# as many steps as 64, so less per-step overhead.
DIFFUSION_BATCH_SIZE = 128


class DiffusionRunner(PackageRunner):
    """A diffusion or flow-matching model of the package, sampled with ``sample_kwargs``
    (its defaults otherwise).

    A conditional model samples the labels 0, 1, ..., 9 in turn and records
    them in ``sample_labels``, for the harness' class accuracy.
    """

    def __init__(
        self, ac, model, images, *, batch_size, seed, labels=None, sample_kwargs=None
    ):
        super().__init__(
            ac, model, images, batch_size=batch_size, seed=seed, labels=labels
        )
        self.sample_kwargs = dict(sample_kwargs or {})
        self.sample_labels = None

    def sample(self, num_samples, seed=0):
        if self.model.num_classes:
            self.sample_labels = np.arange(num_samples) % self.model.num_classes
        return np.asarray(
            self.model.sample(
                num_samples, labels=self.sample_labels, seed=seed, **self.sample_kwargs
            )
        )


def package_diffusion(
    framework,
    images,
    *,
    batch_size=DIFFUSION_BATCH_SIZE,
    seed=0,
    kind="DDPM",
    conditional=False,
    sample_kwargs=None,
    **model_kwargs,
) -> DiffusionRunner:
    """``ac.DDPM`` or ``ac.FlowMatching`` at the images' size (the package's defaults,
    or ``model_kwargs``)."""
    ac = package(framework)
    labels = None
    if conditional:
        from aigc_course.data import load_digits

        # the harness' digits, in its order
        labels = load_digits(images.shape[1], split="train", scale="tanh")[1]
        model_kwargs = {"num_classes": 10, **model_kwargs}
    model = getattr(ac, kind)(images.shape[1], **model_kwargs)
    return DiffusionRunner(
        ac,
        model,
        images,
        batch_size=batch_size,
        seed=seed,
        labels=labels,
        sample_kwargs=sample_kwargs,
    )


def _diffusion(make, **kwargs):
    """``make`` at the diffusion runners' own batch size (the harness' ``--batch-size``,
    64 by default, is the GANs')."""

    def build(framework, images, *, batch_size, seed):
        return make(
            framework, images, batch_size=DIFFUSION_BATCH_SIZE, seed=seed, **kwargs
        )

    return build


_register_both(
    "package",
    "ddpm",
    f"The package: ac.DDPM({DIFFUSION_IMAGE_SIZE}) with its "
    f"defaults, batch {DIFFUSION_BATCH_SIZE}, "
    "sampled with its defaults (ancestral, 50 steps).",
    _diffusion(package_diffusion, kind="DDPM"),
    default=False,
    image_size=DIFFUSION_IMAGE_SIZE,
)
_register_both(
    "package-ddim",
    "ddpm",
    "As ddpm/*-package, sampled with DDIM in 50 steps.",
    _diffusion(
        package_diffusion, kind="DDPM", sample_kwargs={"method": "ddim", "steps": 50}
    ),
    default=False,
    image_size=DIFFUSION_IMAGE_SIZE,
)
_register_both(
    "package",
    "flow",
    f"The package: ac.FlowMatching({DIFFUSION_IMAGE_SIZE}) with "
    f"its defaults, batch {DIFFUSION_BATCH_SIZE}, "
    "sampled with its defaults.",
    _diffusion(package_diffusion, kind="FlowMatching"),
    default=False,
    image_size=DIFFUSION_IMAGE_SIZE,
)
_register_both(
    "package-guided",
    "ddpm",
    f"A conditional ac.DDPM({DIFFUSION_IMAGE_SIZE}, "
    "num_classes=10) with its defaults; labels 0-9 "
    "asked for in turn, with the default guidance scale.",
    _diffusion(package_diffusion, kind="DDPM", conditional=True),
    default=False,
    image_size=DIFFUSION_IMAGE_SIZE,
)
_register_both(
    "package-guided",
    "flow",
    f"A conditional ac.FlowMatching({DIFFUSION_IMAGE_SIZE}, "
    "num_classes=10) with its defaults; "
    "labels 0-9 asked for in turn, with the default guidance scale.",
    _diffusion(package_diffusion, kind="FlowMatching", conditional=True),
    default=False,
    image_size=DIFFUSION_IMAGE_SIZE,
)
_register_both(
    "package-tuned-8px",
    "mlp_gan",
    "The tuned MLP GAN (as mlp_gan/*-package-tuned) "
    f"at {DIFFUSION_IMAGE_SIZE}x"
    f"{DIFFUSION_IMAGE_SIZE}, for the family portrait.",
    functools.partial(package_gan, **TUNED_MLP_GAN),
    default=False,
    image_size=DIFFUSION_IMAGE_SIZE,
)
_register_both(
    "package-8px", "vae", f"ac.VAE({DIFFUSION_IMAGE_SIZE}) (MLP, latent 2) with its "
                          "defaults, for the family portrait.",
    package_vae, default=False, image_size=DIFFUSION_IMAGE_SIZE,
)  # fmt: skip
