"""A GAN for 2-D points, to watch training dynamics and mode collapse (PyTorch).

The image GANs of :mod:`aigc_course.torch.gan` only take square images, so the
2-D toy problems of the book (:func:`aigc_course.data.ring_of_gaussians`) use
this small pair and :func:`train_toy_gan`.  The Keras twin,
:mod:`aigc_course.keras.toy`, has the same names and arguments, draws the same
batches and noise from NumPy, and gives the same numbers with copied weights.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aigc_course.core import training as common
from aigc_course.core.checks import check_kind, check_latent_shape
from aigc_course.torch._core import nudge_weights
from aigc_course.torch._layers import device_of
from aigc_course.torch.gan import generator_loss


class ToyGenerator(nn.Module):
    """z (latent_dim) -> hidden -> hidden -> a 2-D point; ReLU, linear output."""

    def __init__(self, latent_dim: int = 2, hidden: int = 64):
        super().__init__()
        self.latent_dim = common.check_int("latent_dim", latent_dim)
        hidden = common.check_int("hidden", hidden)
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, 2),
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(_vectors(self, z, self.latent_dim, "z"))  # (N, 2)


class ToyDiscriminator(nn.Module):
    """A 2-D point -> hidden -> hidden -> 1 logit; LeakyReLU(0.2)."""

    def __init__(self, hidden: int = 64):
        super().__init__()
        hidden = common.check_int("hidden", hidden)
        self.net = nn.Sequential(
            nn.Linear(2, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
            nn.Linear(hidden, 1),
        )  # fmt: skip

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.net(_vectors(self, points, 2, "points"))  # (N, 1) logits


def _vectors(net: nn.Module, x, dim: int, name: str) -> torch.Tensor:
    """NumPy or a tensor as float32 ``(N, dim)`` on ``net``'s device, as the Keras twin
    accepts (shape checked only: the training loop calls this every step)."""
    x = torch.as_tensor(x, dtype=torch.float32, device=device_of(net))
    check_latent_shape(x.shape, dim, name)
    return x


def toy_generator_loss(
    fake_logits: torch.Tensor, loss: str = "non_saturating"
) -> torch.Tensor:
    """Non-saturating: -log D(G(z)) = BCE(fake, 1).  Minimax: log(1 - D(G(z))) =
    -BCE(fake, 0)."""
    return generator_loss(
        fake_logits, common.check_choice("loss", loss, common.GAN_LOSSES)
    )


def train_toy_gan(
    generator: ToyGenerator,
    discriminator: ToyDiscriminator,
    points,
    *,
    steps: int = 1000,
    batch_size: int = 128,
    loss: str = "non_saturating",
    label_smoothing: float = 0.0,
    learning_rate: float = 1e-3,
    beta_1: float = 0.5,
    d_steps: int = 1,
    g_steps: int = 1,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train the pair on ``points`` ``(N, 2)`` with Adam; return the per-step history.

    Args:
        steps: rounds of training; each round makes ``d_steps`` discriminator
            updates, then ``g_steps`` generator updates.
        loss: ``"non_saturating"`` or ``"minimax"`` (see :func:`toy_generator_loss`).
        label_smoothing: real targets become ``1 - label_smoothing`` (one-sided).
        d_steps, g_steps: updates of each network per round (``d_steps`` is
            ``k`` in Algorithm 1 of Goodfellow et al., 2014): the D/G balance.
        seed: batches and noise come from ``numpy.random.default_rng(seed)``,
            so the Keras twin sees the same numbers.

    Returns:
        ``{"step", "d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm"}``, one value
        per round (from its last update of each network); ``g_grad_norm`` is the norm of
        the gradient of the generator's loss with respect to all its weights.
    """
    points = _check_args(
        generator,
        discriminator,
        points,
        steps,
        batch_size,
        loss,
        label_smoothing,
        learning_rate,
        beta_1,
        d_steps,
        g_steps,
        seed,
    )
    nudge_weights(generator)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    nudge_weights(discriminator)
    g_opt = torch.optim.Adam(
        generator.parameters(), lr=learning_rate, betas=(beta_1, 0.999)
    )
    d_opt = torch.optim.Adam(
        discriminator.parameters(), lr=learning_rate, betas=(beta_1, 0.999)
    )
    rng = np.random.default_rng(seed)
    history = {}
    for round_ in range(steps):
        for _ in range(d_steps):
            # (1) Update D on real and detached fake points: G is not changed here.
            real, z = (
                torch.as_tensor(a)
                for a in _draw(rng, points, batch_size, generator.latent_dim)
            )
            fake = generator(z).detach()
            real_logits, fake_logits = discriminator(real), discriminator(fake)
            d_loss = F.binary_cross_entropy_with_logits(
                real_logits, torch.full_like(real_logits, 1.0 - label_smoothing)
            ) + F.binary_cross_entropy_with_logits(
                fake_logits, torch.zeros_like(fake_logits)
            )
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
        for _ in range(g_steps):
            # (2) Update G through D's judgement; only G's optimizer steps.
            z = torch.as_tensor(
                rng.standard_normal(
                    (batch_size, generator.latent_dim), dtype=np.float32
                )
            )
            g_loss = toy_generator_loss(discriminator(generator(z)), loss)
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            grad_norm = torch.sqrt(
                sum((p.grad**2).sum() for p in generator.parameters())
            )
            g_opt.step()
            # G's backward left gradients in D; D never steps on them
            discriminator.zero_grad(set_to_none=True)
        real_mean, fake_mean = (
            torch.sigmoid(real_logits).mean(),
            torch.sigmoid(fake_logits).mean(),
        )
        values = (d_loss, g_loss, real_mean, fake_mean, grad_norm)
        common.record(
            history,
            round_ + 1,
            {k: v.detach() for k, v in zip(common.TOY_GAN_KEYS, values)},
        )
    return history


@torch.no_grad()
def sample_points(
    generator: ToyGenerator, num_samples: int = 1000, seed: int = 0
) -> np.ndarray:
    """``num_samples`` generated points ``(N, 2)`` as NumPy; the noise comes from NumPy
    with ``seed``."""
    check_kind("generator", generator, (ToyGenerator,), "a toy generator")
    z = common.sample_noise(num_samples, generator.latent_dim, seed)
    return generator(torch.as_tensor(z)).numpy()


def _draw(rng, points, batch_size, latent_dim):
    """One batch of real points and of noise, from NumPy (the same in both
    frameworks)."""
    real = points[rng.integers(0, len(points), size=batch_size)]  # (B, 2)
    # (B, latent)
    return real, rng.standard_normal((batch_size, latent_dim), dtype=np.float32)


def _check_args(
    generator,
    discriminator,
    points,
    steps,
    batch_size,
    loss,
    label_smoothing,
    learning_rate,
    beta_1,
    d_steps,
    g_steps,
    seed,
):
    check_kind("generator", generator, (ToyGenerator,), "a toy generator")
    check_kind(
        "discriminator", discriminator, (ToyDiscriminator,), "a toy discriminator"
    )
    points = np.asarray(points, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(
            f"points must have shape (N, 2) with N >= 1, got {points.shape}"
        )
    if not np.all(np.isfinite(points)):
        raise ValueError("points hold NaN or infinite values")
    common.check_int("steps", steps)
    common.check_int("batch_size", batch_size)
    common.check_choice("loss", loss, common.GAN_LOSSES)
    common.check_float("label_smoothing", label_smoothing, 0.0, 1.0, high_open=True)
    common.check_nonnegative("learning_rate", learning_rate)
    common.check_float("beta_1", beta_1, 0.0, 1.0, high_open=True)
    common.check_int("d_steps", d_steps)
    common.check_int("g_steps", g_steps)
    common.check_int("seed", seed, minimum=0)
    return points
