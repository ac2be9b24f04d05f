"""Diffusion and flow matching without a framework: schedules, the forward process, one
step of each sampler.

Both :mod:`aigc_course.torch.diffusion` and :mod:`aigc_course.keras.diffusion`
train their networks with their own framework and sample through the loops
here: the network is called through the NumPy boundary (NumPy in, NumPy out),
so the two frameworks share one sampler, and with the same weights and seed
they draw the same images.

Conventions
-----------
* **DDPM** (Ho et al., 2020).  ``betas[t]`` for ``t = 0 .. T-1``;
  ``alpha_bar[t] = prod_{s <= t} (1 - betas[s])``; the forward process is
  ``x_t = sqrt(alpha_bar[t]) x_0 + sqrt(1 - alpha_bar[t]) eps`` (eq. 4).  This
  is the indexing of ``diffusers``' schedulers (``alphas_cumprod[t]``); the
  paper counts from 1.  A step goes from ``t`` to any earlier ``t_prev``
  (``t_prev = -1`` is the clean image, ``alpha_bar = 1``), so DDPM and DDIM
  can skip timesteps.
* **Flow matching** (Lipman et al., 2023) on the straight path of rectified
  flow (Liu et al., 2023): ``x_t = (1 - t) noise + t data`` for ``t`` in
  [0, 1], and the network learns the velocity ``data - noise``.  Sampling
  integrates ``dx/dt = v(x, t)`` from ``t = 0`` (noise) to ``t = 1`` (data).
  (``diffusers``' flow-matching scheduler runs the other way, ``sigma = 1 - t``.)
* **Classifier-free guidance** (Ho & Salimans, 2022): ``uncond + scale (cond -
  uncond)``; ``scale = 1`` is the conditional model alone, ``0`` the
  unconditional one, and the paper's ``w`` is ``scale - 1``.

Arrays are float32 wherever a network's output enters, so the loops add no
float64 rounding that one framework would see and the other not.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from aigc_course.core.checks import (
    check_choice,
    check_float,
    check_images,
    check_int,
    check_kind,
    check_labels,
    check_latents,
)

SCHEDULES = ("linear", "cosine")
DDPM_METHODS = ("ddpm", "ddim")
FLOW_METHODS = ("euler", "heun")
# how flow matching draws its training times
TIME_SAMPLINGS = ("logit_normal", "uniform")
# A conditional model's guidance by default: on the 8x8 digits every asked-for digit is
# read as asked from 1.5 on, and the Frechet distance is lowest there; larger scales
# narrow each class's variety.
GUIDANCE_SCALE = 1.5
# DDPM's sampling steps by default: on the 8x8 digits as good as 100, and twice as fast
DDPM_STEPS = 50

# (x, t) -> the network's output, NumPy
Predict = Callable[[np.ndarray, np.ndarray], np.ndarray]


# --------------------------------------------------------------------------
# Noise schedules
# --------------------------------------------------------------------------


def linear_betas(
    timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02
) -> np.ndarray:
    """Ho et al.'s schedule: betas rising linearly from ``beta_start`` to ``beta_end``
    (at ``T = 1000``).

    For another number of timesteps both ends are scaled by ``1000 / timesteps``
    (Nichol & Dhariwal, 2021), so the last ``alpha_bar`` stays near zero (about
    4e-5) whatever ``T`` is: the chain still ends in pure noise.
    """
    timesteps = check_int("timesteps", timesteps, minimum=2)
    scale = 1000.0 / timesteps
    return np.linspace(
        scale * beta_start, scale * beta_end, timesteps, dtype=np.float64
    )


def cosine_betas(
    timesteps: int = 1000, s: float = 0.008, max_beta: float = 0.999
) -> np.ndarray:
    """Nichol & Dhariwal's cosine schedule: ``alpha_bar(t) = cos^2(((t/T + s) / (1 + s))
    pi / 2)``, betas capped.

    Noise is added more evenly than by the linear schedule, which destroys a
    small image's information long before the last step.  The same betas as
    ``diffusers``' ``beta_schedule="squaredcos_cap_v2"``.
    """
    timesteps = check_int("timesteps", timesteps, minimum=2)

    def f(u):
        return math.cos((u + s) / (1 + s) * math.pi / 2) ** 2

    return np.array(
        [
            min(1 - f((i + 1) / timesteps) / f(i / timesteps), max_beta)
            for i in range(timesteps)
        ]
    )


def noise_schedule(schedule: str = "cosine", timesteps: int = 1000) -> np.ndarray:
    """The betas of ``schedule`` (``"linear"`` or ``"cosine"``), float64
    ``(timesteps,)``."""
    check_choice("schedule", schedule, SCHEDULES)
    return linear_betas(timesteps) if schedule == "linear" else cosine_betas(timesteps)


def alpha_bar(betas) -> np.ndarray:
    """``alpha_bar[t] = prod_{s <= t} (1 - betas[s])``: how much of x_0 is left in x_t
    (its square root does)."""
    betas = np.asarray(betas, dtype=np.float64)
    if betas.ndim != 1 or len(betas) < 2 or not np.all((betas > 0) & (betas < 1)):
        raise ValueError(
            "betas must be a 1-D array of at least 2 values in (0, 1), "
            f"got shape {betas.shape}"
        )
    return np.cumprod(1.0 - betas)


# --------------------------------------------------------------------------
# The forward process and the DDPM posterior
# --------------------------------------------------------------------------


def _per_sample(values, t, ndim: int) -> np.ndarray:
    """``values[t]`` shaped to broadcast over a batch of ``ndim``-dimensional samples:
    ``(N, 1, ..., 1)``."""
    picked = np.asarray(values, dtype=np.float64)[np.asarray(t)]
    return picked.reshape(picked.shape + (1,) * (ndim - picked.ndim)).astype(np.float32)


def q_mean_variance(x0, t, alpha_bars) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I)
    (Ho et al., eq. 4)."""
    x0 = np.asarray(x0, dtype=np.float32)
    a = _per_sample(alpha_bars, t, x0.ndim)
    return np.sqrt(a) * x0, np.broadcast_to(1.0 - a, x0.shape)


def q_sample(x0, t, noise, alpha_bars) -> np.ndarray:
    """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) noise: jump to step ``t`` in
    one go (eq. 4).

    ``t`` is one timestep or one per sample; ``noise`` is standard normal, shaped like
    ``x0``.
    """
    x0 = np.asarray(x0, dtype=np.float32)
    a = _per_sample(alpha_bars, t, x0.ndim)
    return np.sqrt(a) * x0 + np.sqrt(1.0 - a) * np.asarray(noise, dtype=np.float32)


def _alpha_bars_at(alpha_bars, t: int, t_prev: int) -> tuple[float, float]:
    """``alpha_bar`` at ``t`` and at ``t_prev`` (1 at ``t_prev = -1``, the clean image),
    as Python floats."""
    alpha_bars = np.asarray(alpha_bars, dtype=np.float64)
    if not -1 <= t_prev < t < len(alpha_bars):
        raise ValueError(
            "timesteps must satisfy -1 <= t_prev < t < "
            f"{len(alpha_bars)}, got t={t}, t_prev={t_prev}"
        )
    return float(alpha_bars[t]), (1.0 if t_prev < 0 else float(alpha_bars[t_prev]))


def predict_x0(x_t, t: int, eps, alpha_bars) -> np.ndarray:
    """The clean sample that ``eps`` implies: x_0 = (x_t - sqrt(1 - alpha_bar_t) eps) /
    sqrt(alpha_bar_t) (eq. 15)."""
    a = float(np.asarray(alpha_bars)[t])
    return (
        np.asarray(x_t, np.float32) - math.sqrt(1.0 - a) * np.asarray(eps, np.float32)
    ) / math.sqrt(a)


def posterior_coefficients(
    alpha_bars, t: int, t_prev: int | None = None
) -> tuple[float, float, float]:
    """q(x_{t_prev} | x_t, x_0) = N(c0 x_0 + ct x_t, var): the posterior DDPM samples
    from (Ho et al., eq. 7).

    ``t_prev`` defaults to ``t - 1``; a larger jump uses beta = 1 - alpha_bar_t /
    alpha_bar_prev, the beta of the whole jump.

    Returns:
        ``(c0, ct, var)``: ``c0 = sqrt(ab_prev) beta / (1 - ab_t)``,
        ``ct = sqrt(1 - beta) (1 - ab_prev) / (1 - ab_t)``, ``var = beta (1 - ab_prev) /
        (1 - ab_t)``.
    """
    t_prev = t - 1 if t_prev is None else t_prev
    a_t, a_prev = _alpha_bars_at(alpha_bars, t, t_prev)
    beta = 1.0 - a_t / a_prev
    c0 = math.sqrt(a_prev) * beta / (1.0 - a_t)
    ct = math.sqrt(1.0 - beta) * (1.0 - a_prev) / (1.0 - a_t)
    return c0, ct, beta * (1.0 - a_prev) / (1.0 - a_t)


def _clipped(x0: np.ndarray, clip) -> np.ndarray:
    return x0 if clip is None else np.clip(x0, clip[0], clip[1])


def ddpm_step(
    x_t, t: int, t_prev: int, eps, alpha_bars, noise, clip=None
) -> np.ndarray:
    """One ancestral step x_t -> x_{t_prev}: a draw from the posterior, with the
    network's x_0 (Ho et al., Algorithm 2).

    Args:
        x_t: the current samples; ``eps``: the network's noise prediction for them.
        t, t_prev: the current and the next timestep (``t_prev = -1``: the last step, no
        noise added).
        noise: standard normal, shaped like ``x_t``.
        clip: ``(low, high)`` to clip the predicted x_0 to (the data's range), or
        ``None``.
    """
    c0, ct, var = posterior_coefficients(alpha_bars, t, t_prev)
    x0 = _clipped(predict_x0(x_t, t, eps, alpha_bars), clip)
    return (
        c0 * x0
        + ct * np.asarray(x_t, np.float32)
        + math.sqrt(var) * np.asarray(noise, np.float32)
    )


def ddim_step(
    x_t, t: int, t_prev: int, eps, alpha_bars, eta: float = 0.0, noise=None, clip=None
) -> np.ndarray:
    """One DDIM step x_t -> x_{t_prev} (Song et al., 2021, eq. 12): deterministic when
    ``eta = 0``.

    x_prev = sqrt(ab_prev) x_0 + sqrt(1 - ab_prev - sigma^2) eps + sigma noise, with
    sigma = eta sqrt((1 - ab_prev) / (1 - ab_t)) sqrt(1 - ab_t / ab_prev) (eq. 16);
    ``eta = 1`` gives DDPM's variance.  When x_0 is clipped, eps is recomputed from the
    clipped x_0 so the step stays on the line between them.
    """
    eta = check_float("eta", eta, 0.0, 1.0)
    a_t, a_prev = _alpha_bars_at(alpha_bars, t, t_prev)
    x_t = np.asarray(x_t, np.float32)
    x0 = predict_x0(x_t, t, eps, alpha_bars)
    if clip is not None:
        x0 = _clipped(x0, clip)
        eps = (x_t - math.sqrt(a_t) * x0) / math.sqrt(1.0 - a_t)
    sigma = eta * math.sqrt((1.0 - a_prev) / (1.0 - a_t) * (1.0 - a_t / a_prev))
    x_prev = math.sqrt(a_prev) * x0 + math.sqrt(1.0 - a_prev - sigma**2) * np.asarray(
        eps, np.float32
    )
    if sigma > 0:
        if noise is None:
            raise ValueError(
                "noise is required when eta > 0 (standard normal, shaped like x_t)"
            )
        x_prev = x_prev + sigma * np.asarray(noise, np.float32)
    return x_prev


def sampling_timesteps(timesteps: int, steps: int) -> np.ndarray:
    """``steps`` timesteps from ``T - 1`` down to 0, evenly spaced: where a sampler
    evaluates the network.

    Starting at the last timestep, even with few steps, matters: a sampler that
    starts earlier begins from noise the network was never trained to see there.
    """
    steps = check_int("steps", steps)
    if steps > timesteps:
        raise ValueError(
            f"steps must be at most the model's timesteps ({timesteps}), got {steps}"
        )
    return np.round(np.linspace(timesteps - 1, 0, steps)).astype(np.int64)


# --------------------------------------------------------------------------
# Flow matching
# --------------------------------------------------------------------------


def _per_time(t, ndim: int) -> np.ndarray:
    t = np.asarray(t, dtype=np.float32)
    return t.reshape(t.shape + (1,) * (ndim - t.ndim))


def flow_path(noise, data, t) -> np.ndarray:
    """The straight path x_t = (1 - t) noise + t data (rectified flow), for one ``t`` or
    one per sample."""
    noise, data = np.asarray(noise, np.float32), np.asarray(data, np.float32)
    t = _per_time(t, data.ndim)
    return (1.0 - t) * noise + t * data


def flow_velocity(noise, data) -> np.ndarray:
    """The velocity target d x_t / dt = data - noise: the same at every point of the
    straight path."""
    return np.asarray(data, np.float32) - np.asarray(noise, np.float32)


def euler_step(x, t: float, dt: float, velocity: Predict) -> np.ndarray:
    """x_{t + dt} = x_t + dt v(x_t, t): one network call per step."""
    x = np.asarray(x, np.float32)
    return x + np.float32(dt) * velocity(x, np.full(len(x), t, np.float32))


def heun_step(x, t: float, dt: float, velocity: Predict) -> np.ndarray:
    """Heun's method (the trapezoid rule with an Euler predictor): second order, two
    network calls per step."""
    x = np.asarray(x, np.float32)
    v = velocity(x, np.full(len(x), t, np.float32))
    guess = x + np.float32(dt) * v
    v_next = velocity(guess, np.full(len(x), t + dt, np.float32))
    return x + np.float32(dt / 2) * (v + v_next)


# --------------------------------------------------------------------------
# What the networks share: the time embedding and the checks of their inputs
# --------------------------------------------------------------------------


def embedding_frequencies(
    embedding_dim: int = 64, max_period: float = 10000.0
) -> np.ndarray:
    """Angular frequencies of the sinusoidal time embedding, float32 ``(embedding_dim //
    2,)``.

    The features of time ``t`` in [0, 1] are ``sin(1000 t f_k)`` and ``cos(1000 t f_k)``
    with ``f_k = max_period ** (-k / half)``: the Transformer's position encoding
    (Vaswani et al.,
    2017) of the timestep ``1000 t``, as in Ho et al.  Computed here, once, so both
    frameworks multiply ``t`` by the very same float32 numbers.
    """
    half = check_int("embedding_dim", embedding_dim, minimum=2) // 2
    return (1000.0 * max_period ** (-np.arange(half) / half)).astype(np.float32)


def check_times(t, n: int, name: str = "t") -> np.ndarray:
    """Flow-matching times: one number in [0, 1] or one per sample; float32 ``(n,)``."""
    array = np.asarray(t)
    if (
        array.dtype == object
        or not np.issubdtype(array.dtype, np.number)
        or array.ndim > 1
    ):
        raise ValueError(
            f"{name} must be a number in [0, 1] or an array of shape "
            f"({n},), got {array!r}"
        )
    array = (
        np.broadcast_to(array.astype(np.float32), (n,))
        if array.ndim == 0
        else array.astype(np.float32)
    )
    if array.shape != (n,):
        raise ValueError(
            f"{name} must be a number in [0, 1] or an array of shape "
            f"({n},), got shape {array.shape}"
        )
    if not np.all((array >= 0) & (array <= 1)):
        raise ValueError(
            f"{name} must lie in [0, 1], got values in "
            f"[{array.min():.3g}, {array.max():.3g}]"
        )
    return np.ascontiguousarray(array)


def check_timesteps(t, n: int, timesteps: int, name: str = "t") -> np.ndarray:
    """DDPM timesteps: one integer in [0, timesteps) or one per sample; int64
    ``(n,)``."""
    array = np.asarray(t)
    if not np.issubdtype(array.dtype, np.integer) or array.ndim > 1:
        raise ValueError(
            f"{name} must be an integer timestep in [0, {timesteps}) or "
            f"an array of them, got {array!r}"
        )
    array = np.broadcast_to(array, (n,)) if array.ndim == 0 else array
    if array.shape != (n,):
        raise ValueError(
            f"{name} must be one timestep or an array of shape ({n},), "
            f"got shape {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() >= timesteps):
        raise ValueError(
            f"{name} must lie in [0, {timesteps}) "
            f"(timesteps={timesteps}), got values in [{array.min()}, "
            f"{array.max()}]"
        )
    return np.ascontiguousarray(array, dtype=np.int64)


# --------------------------------------------------------------------------
# Classifier-free guidance and the samplers' loops
# --------------------------------------------------------------------------


def classifier_free_guidance(uncond, cond, scale: float) -> np.ndarray:
    """uncond + scale (cond - uncond): pushes the prediction further in the label's
    direction when ``scale > 1``."""
    uncond = np.asarray(uncond, np.float32)
    return uncond + np.float32(scale) * (np.asarray(cond, np.float32) - uncond)


def check_guidance(scale, num_classes: int) -> float:
    """A guidance scale >= 0 (``None``: :data:`GUIDANCE_SCALE`, or 1 for an
    unconditional model); anything but 1 needs a conditional model (``num_classes >
    0``)."""
    if scale is None:
        return GUIDANCE_SCALE if num_classes else 1.0
    scale = check_float("guidance_scale", scale, 0.0, math.inf, high_open=True)
    if scale != 1.0 and not num_classes:
        raise ValueError(
            "guidance_scale needs a conditional model (num_classes > "
            f"0); this one is unconditional, got {scale}"
        )
    return scale


def guided(predict: Callable, labels, null_label: int, scale: float) -> Predict:
    """``(x, t) -> output`` of a conditional network, guided towards ``labels`` with
    ``scale``.

    ``predict(x, t, labels)`` is the network through the NumPy boundary.  With
    ``scale == 1`` it is called once, on ``labels``; otherwise once on a batch
    twice as large, the second half with the ``null_label`` (no label), and the
    two halves are mixed by :func:`classifier_free_guidance`.
    """
    if labels is None:
        return lambda x, t: predict(x, t, None)
    labels = np.asarray(labels, dtype=np.int64)
    if scale == 1.0:
        return lambda x, t: predict(x, t, labels)
    both = np.concatenate([labels, np.full_like(labels, null_label)])

    def mix(x, t):
        out = predict(np.concatenate([x, x]), np.concatenate([t, t]), both)  # (2N, ...)
        cond, uncond = out[: len(x)], out[len(x) :]
        return classifier_free_guidance(uncond, cond, scale)

    return mix


def check_repair(images, masks, image_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The arguments of a model's ``inpaint``: images in [0, 1] and masks of 0 (known)
    and 1 (missing), float32 ``(N, H, W)`` each, one mask per image."""
    images = check_images(images, image_size, (0.0, 1.0))
    masks = check_images(masks, image_size, name="masks")
    if len(masks) != len(images):
        raise ValueError(
            f"masks must hold one mask per image ({len(images)}), got {len(masks)}"
        )
    if not np.all((masks == 0) | (masks == 1)):
        odd = masks[(masks != 0) & (masks != 1)]
        raise ValueError(
            "masks must hold only 0 (known pixel) and 1 (missing pixel), got "
            f"{odd.size} other values, e.g. {float(odd[0]):.3g}"
        )
    return images, masks


def _repair_inputs(x: np.ndarray, known, mask):
    """``known`` and ``mask`` as float32 arrays shaped like ``x``, or ``(None, None)``
    when the sampler is not repairing."""
    if known is None and mask is None:
        return None, None
    if known is None or mask is None:
        raise ValueError(
            "known and mask go together: pass both to repair, or neither to sample"
        )
    known, mask = np.asarray(known, np.float32), np.asarray(mask, np.float32)
    for name, array in (("known", known), ("mask", mask)):
        if array.shape != x.shape:
            raise ValueError(
                f"{name} must have the shape of x {x.shape}, got {array.shape}"
            )
    return known, mask


def replace_known(x, known, mask, t_prev: int, alpha_bars, noise) -> np.ndarray:
    """RePaint's replacement (Lugmayr et al., 2022): the hole (``mask == 1``)
    from the sampler's ``x``, the known pixels from q(x_{t_prev} | known).

    The known pixels are noised to the level of the step just taken, so the two
    parts of the image are equally noisy; at ``t_prev = -1`` (the clean image)
    they are the known pixels themselves, exactly.
    """
    if t_prev < 0:
        noised = np.asarray(known, np.float32)
    else:
        noised = q_sample(known, t_prev, noise, alpha_bars)
    return np.where(np.asarray(mask) > 0.5, np.asarray(x, np.float32), noised)


def sample_ddpm(
    predict: Predict,
    x,
    alpha_bars,
    steps: int,
    method: str = "ddpm",
    seed: int = 0,
    clip=None,
    trajectory: bool = False,
    known=None,
    mask=None,
) -> np.ndarray:
    """Denoise ``x`` (pure noise at ``T - 1``) in ``steps`` network calls with ancestral
    DDPM or deterministic DDIM; with ``known`` and ``mask``, repair images (RePaint).

    Args:
        predict: ``(x_t, t) -> eps`` with ``t`` in [0, 1) (timestep / T), NumPy in and
        out.
        x: the starting noise, float32 ``(N, ...)``.
        method: ``"ddpm"`` (a fresh noise draw each step, from ``seed``) or ``"ddim"``
        (``eta = 0``).
        trajectory: return every intermediate ``x``, ``(steps + 1, N, ...)``, not only
        the last.
        known, mask: to repair images (Lugmayr et al., 2022): the images, shaped like
        ``x`` and in the model's range, and 1 where a pixel is missing, 0 where it is
        known.  After every step the known pixels are replaced by
        :func:`replace_known`; the hole is the model's.  Their noise is a stream of
        its own, so the hole sees the same draws as plain sampling: an all-one mask
        gives the plain samples.
    """
    check_choice("method", method, DDPM_METHODS)
    timesteps = len(alpha_bars)
    schedule = sampling_timesteps(timesteps, steps)
    seed = check_int("seed", seed, minimum=0)
    # +1: not the stream x came from
    rng = np.random.default_rng(seed + 1)
    x = np.asarray(x, np.float32)
    known, mask = _repair_inputs(x, known, mask)
    known_rng = np.random.default_rng(seed + 2)
    path = [x]
    for i, t in enumerate(schedule):
        t_prev = int(schedule[i + 1]) if i + 1 < len(schedule) else -1
        eps = predict(x, np.full(len(x), t / timesteps, np.float32))
        if method == "ddpm":
            noise = rng.standard_normal(x.shape, dtype=np.float32)
            x = ddpm_step(x, int(t), t_prev, eps, alpha_bars, noise, clip)
        else:
            x = ddim_step(x, int(t), t_prev, eps, alpha_bars, clip=clip)
        if known is not None:
            noise = known_rng.standard_normal(x.shape, dtype=np.float32)
            x = replace_known(x, known, mask, t_prev, alpha_bars, noise)
        path.append(x)
    return np.stack(path) if trajectory else x


def sample_flow(
    predict: Predict, x, steps: int, method: str = "euler", trajectory: bool = False
) -> np.ndarray:
    """Carry ``x`` (noise at ``t = 0``) to data at ``t = 1`` along ``predict``'s
    velocity in ``steps`` ODE steps."""
    check_choice("method", method, FLOW_METHODS)
    steps = check_int("steps", steps)
    step = euler_step if method == "euler" else heun_step
    x = np.asarray(x, np.float32)
    path = [x]
    for i in range(steps):
        x = step(x, i / steps, 1.0 / steps, predict)
        path.append(x)
    return np.stack(path) if trajectory else x


# --------------------------------------------------------------------------
# 2-D points: the batches of train_points, in both frameworks
# --------------------------------------------------------------------------


def check_point_training(
    model, kinds, points, labels, steps, batch_size, seed
) -> tuple[np.ndarray, np.ndarray | None]:
    """The arguments of ``train_points``, checked; ``points`` as float32 ``(N, dim)``
    and the labels as int64."""
    check_kind("model", model, kinds, "a diffusion or flow-matching model")
    if len(model.data_shape) != 1:
        raise ValueError(
            "model must be a point model (built with dim=...), got one for "
            f"{model.data_shape} images; train it with train()"
        )
    points = check_latents(points, model.dim, "points")
    if len(points) == 0:
        raise ValueError(
            f"points must hold at least one point, got shape {points.shape}"
        )
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_int("seed", seed, minimum=0)
    return points, check_labels(labels, model.num_classes, len(points))


def point_batch(
    rng: np.random.Generator, points, labels, batch_size: int, noise_dim: int
) -> dict:
    """One batch of points (and labels) and the step's noise, drawn from ``rng``: the
    same in both frameworks."""
    index = rng.integers(0, len(points), size=batch_size)
    batch = {
        "images": points[index],
        "noise": rng.standard_normal((batch_size, noise_dim), dtype=np.float32),
    }
    if labels is not None:
        batch["labels"] = labels[index]
    return batch
