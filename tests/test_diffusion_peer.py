"""The package's DDPM and DDIM steps against a peer: ``diffusers``' DDPMScheduler and
DDIMScheduler.

For the same schedule, the same sample ``x_t`` and the same model output (the
predicted noise), one step of each must land on the same ``x_{t-1}``, as the
package's LoRA agrees with ``peft`` and TinyGPT with ``transformers``' GPT-2.
The schedulers are built locally from their arguments: nothing is downloaded.
"""

import numpy as np
import pytest
import torch

from aigc_course.maths import diffusion

# a pinned test dependency (requirements.txt)
diffusers = pytest.importorskip("diffusers")

ATOL = 1e-5


def _inputs(shape=(4, 8, 8), seed=0):
    rng = np.random.default_rng(seed)
    # x_t, eps
    return rng.standard_normal(shape).astype(np.float32), rng.standard_normal(
        shape
    ).astype(np.float32)


def _np(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


def _in_float64(scheduler):
    """``scheduler`` computing in float64, with ``alpha_bars`` the package's own
    (float64) ones.

    diffusers keeps its schedule in float32, where 1 - alpha_bar_t / alpha_bar_{t-1}
    near t = 0 keeps three or four digits; the package computes the step's coefficients
    in float64. Both are then compared on the same schedule to float32 precision, so a
    1e-5 difference can only come from the formulas.
    """
    alpha_bars = diffusion.alpha_bar(_np(scheduler.betas).astype(np.float64))
    scheduler.alphas_cumprod = torch.as_tensor(alpha_bars)
    scheduler.one = torch.tensor(1.0, dtype=torch.float64)
    if hasattr(scheduler, "final_alpha_cumprod"):
        scheduler.final_alpha_cumprod = torch.tensor(1.0, dtype=torch.float64)
    return scheduler, alpha_bars


def _t64(array) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array, np.float64))


@pytest.mark.parametrize(
    "schedule, name", [("linear", "linear"), ("cosine", "squaredcos_cap_v2")]
)
@pytest.mark.parametrize("timesteps", [1000, 100])
def test_schedules_match(schedule, name, timesteps):
    ours = diffusion.noise_schedule(schedule, timesteps)
    # the package scales both ends by 1000 / T (Nichol & Dhariwal); diffusers takes them
    # given
    if schedule == "linear":
        scale = 1000 / timesteps
        theirs = diffusers.DDPMScheduler(
            timesteps,
            beta_start=1e-4 * scale,
            beta_end=0.02 * scale,
            beta_schedule=name,
        )
    else:
        theirs = diffusers.DDPMScheduler(timesteps, beta_schedule=name)
    np.testing.assert_allclose(ours, _np(theirs.betas), rtol=1e-6)
    # float32 there
    np.testing.assert_allclose(
        diffusion.alpha_bar(ours), _np(theirs.alphas_cumprod), rtol=1e-5, atol=1e-10
    )


def test_forward_process_matches_add_noise():
    betas = diffusion.noise_schedule("cosine", 200)
    scheduler = diffusers.DDPMScheduler(200, trained_betas=betas)
    x0, eps = _inputs()
    t = np.array([0, 50, 120, 199])
    theirs = scheduler.add_noise(
        torch.as_tensor(x0), torch.as_tensor(eps), torch.as_tensor(t)
    )
    np.testing.assert_allclose(
        diffusion.q_sample(x0, t, eps, diffusion.alpha_bar(betas)),
        _np(theirs),
        atol=ATOL,
    )


@pytest.mark.parametrize("schedule", diffusion.SCHEDULES)
@pytest.mark.parametrize("clip", [False, True])
@pytest.mark.parametrize("t", [999, 500, 1])
def test_one_ddpm_step_matches_ddpm_scheduler(schedule, clip, t):
    betas = diffusion.noise_schedule(schedule, 1000)
    scheduler, alpha_bars = _in_float64(
        diffusers.DDPMScheduler(
            1000, trained_betas=betas, clip_sample=clip, variance_type="fixed_small"
        )
    )
    x_t, eps = _inputs(seed=t)
    generator = torch.Generator().manual_seed(7)
    theirs = scheduler.step(_t64(eps), t, _t64(x_t), generator=generator).prev_sample
    # as drawn there
    noise = torch.randn(
        x_t.shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64
    ).numpy()
    ours = diffusion.ddpm_step(
        x_t, t, t - 1, eps, alpha_bars, noise, clip=(-1.0, 1.0) if clip else None
    )
    np.testing.assert_allclose(ours, _np(theirs), atol=ATOL)


def test_strided_ddpm_steps_match_ddpm_scheduler_with_custom_timesteps():
    """Fewer steps than timesteps: the posterior of the whole jump, as diffusers
    computes it."""
    betas = diffusion.noise_schedule("cosine", 1000)
    scheduler, alpha_bars = _in_float64(
        diffusers.DDPMScheduler(1000, trained_betas=betas, clip_sample=True)
    )
    schedule = diffusion.sampling_timesteps(1000, 10)
    scheduler.set_timesteps(timesteps=schedule.tolist())
    x, _ = _inputs(seed=1)
    ours, theirs = x, _t64(x)
    for i, t in enumerate(schedule):
        # a stand-in network
        eps = np.random.default_rng(100 + i).standard_normal(x.shape).astype(np.float32)
        generator = torch.Generator().manual_seed(i)
        noise = torch.randn(
            x.shape, generator=torch.Generator().manual_seed(i), dtype=torch.float64
        ).numpy()
        theirs = scheduler.step(
            _t64(eps), int(t), theirs, generator=generator
        ).prev_sample
        t_prev = int(schedule[i + 1]) if i + 1 < len(schedule) else -1
        ours = diffusion.ddpm_step(
            ours, int(t), t_prev, eps, alpha_bars, noise, clip=(-1.0, 1.0)
        )
        np.testing.assert_allclose(
            ours, _np(theirs), atol=ATOL, err_msg=f"step {i} (t={t})"
        )


@pytest.mark.parametrize("schedule", diffusion.SCHEDULES)
@pytest.mark.parametrize("clip", [False, True])
@pytest.mark.parametrize("steps, t", [(50, 980), (50, 20), (10, 900), (1000, 0)])
def test_one_ddim_step_matches_ddim_scheduler(schedule, clip, steps, t):
    betas = diffusion.noise_schedule(schedule, 1000)
    scheduler, alpha_bars = _in_float64(
        diffusers.DDIMScheduler(
            1000, trained_betas=betas, clip_sample=clip, set_alpha_to_one=True
        )
    )
    scheduler.set_timesteps(steps)
    x_t, eps = _inputs(seed=t + steps)
    # With clipping, the package recomputes eps from the clipped x_0 (as GLIDE does):
    # use_clipped_model_output.
    theirs = scheduler.step(
        _t64(eps), t, _t64(x_t), use_clipped_model_output=True
    ).prev_sample
    # diffusers' previous timestep; -1 and below: the clean sample
    t_prev = t - 1000 // steps
    ours = diffusion.ddim_step(
        x_t, t, max(t_prev, -1), eps, alpha_bars, clip=(-1.0, 1.0) if clip else None
    )
    np.testing.assert_allclose(ours, _np(theirs), atol=ATOL)


def test_one_stochastic_ddim_step_matches_ddim_scheduler():
    betas = diffusion.noise_schedule("linear", 1000)
    scheduler, alpha_bars = _in_float64(
        diffusers.DDIMScheduler(1000, trained_betas=betas, clip_sample=False)
    )
    scheduler.set_timesteps(20)
    x_t, eps = _inputs(seed=3)
    noise = np.random.default_rng(4).standard_normal(x_t.shape).astype(np.float32)
    for eta in (0.3, 1.0):
        theirs = scheduler.step(
            _t64(eps), 500, _t64(x_t), eta=eta, variance_noise=_t64(noise)
        )
        ours = diffusion.ddim_step(x_t, 500, 450, eps, alpha_bars, eta=eta, noise=noise)
        np.testing.assert_allclose(
            ours, _np(theirs.prev_sample), atol=ATOL, err_msg=f"eta={eta}"
        )
