"""The 2-D toy GAN: same names in both frameworks, parity with copied weights, bad
input."""

import inspect

import numpy as np
import pytest
import torch

from aigc_course.book import parity
from aigc_course.data import ring_of_gaussians
from aigc_course.keras import toy as ktoy
from aigc_course.torch import toy as ttoy

NAMES = [
    "ToyGenerator",
    "ToyDiscriminator",
    "toy_generator_loss",
    "train_toy_gan",
    "sample_points",
]


def _signature(obj):
    sig = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_same_names_and_signatures(name):
    assert _signature(getattr(ttoy, name)) == _signature(getattr(ktoy, name))


def _twins(latent_dim=2, hidden=16):
    torch.manual_seed(0)
    tg, td = ttoy.ToyGenerator(latent_dim, hidden), ttoy.ToyDiscriminator(hidden)
    kg, kd = ktoy.ToyGenerator(latent_dim, hidden), ktoy.ToyDiscriminator(hidden)
    assert parity.copy_torch_to_keras(tg, kg) == 3
    assert parity.copy_torch_to_keras(td, kd) == 3
    return tg, td, kg, kd


def test_outputs_agree_with_copied_weights():
    tg, td, kg, kd = _twins()
    assert np.allclose(
        ttoy.sample_points(tg, 50, seed=1),
        ktoy.sample_points(kg, 50, seed=1),
        atol=1e-6,
    )
    points = np.random.default_rng(0).standard_normal((20, 2)).astype("float32")
    with torch.no_grad():
        t_logits = td(torch.as_tensor(points)).numpy()
    assert np.allclose(t_logits, kd(points).numpy(), atol=1e-6)


@pytest.mark.parametrize("loss", ["non_saturating", "minimax"])
def test_generator_losses_agree_and_match_the_formula(loss):
    logits = np.array([[-3.0], [-0.5], [0.0], [2.0]], dtype="float32")
    d = 1 / (1 + np.exp(-logits.astype(float)))
    expected = (
        -np.mean(np.log(d)) if loss == "non_saturating" else np.mean(np.log(1 - d))
    )
    t_value = float(ttoy.toy_generator_loss(torch.as_tensor(logits), loss))
    k_value = float(ktoy.toy_generator_loss(logits, loss))
    assert t_value == pytest.approx(expected, rel=1e-5)
    assert k_value == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"loss": "minimax"}, {"label_smoothing": 0.1}, {"d_steps": 2}, {"g_steps": 2}],
)
def test_training_agrees_with_copied_weights(kwargs):
    points, _ = ring_of_gaussians(256, seed=0)
    tg, td, kg, kd = _twins()
    ht = ttoy.train_toy_gan(tg, td, points, steps=3, batch_size=32, seed=1, **kwargs)
    hk = ktoy.train_toy_gan(kg, kd, points, steps=3, batch_size=32, seed=1, **kwargs)
    assert (
        sorted(ht)
        == sorted(hk)
        == ["d_fake", "d_loss", "d_real", "g_grad_norm", "g_loss", "step"]
    )
    for key in ht:
        assert len(ht[key]) == 3
        assert np.allclose(ht[key], hk[key], rtol=1e-4, atol=1e-5), key
    # Adam's first steps move each weight by about +-learning_rate whatever the
    # gradient's size, so round-off in a near-zero gradient can flip a step: allow a few
    # learning rates.
    assert np.allclose(
        ttoy.sample_points(tg, 20), ktoy.sample_points(kg, 20), atol=5e-3
    )


def test_generator_step_leaves_the_discriminator_alone():
    """After one round (a D step, then a G step), D's weights are those of the D step
    alone."""
    points, _ = ring_of_gaussians(256, seed=0)
    torch.manual_seed(0)
    g, d = ttoy.ToyGenerator(hidden=8), ttoy.ToyDiscriminator(hidden=8)
    before = [p.detach().clone() for p in d.parameters()]
    g_before = [p.detach().clone() for p in g.parameters()]
    history = ttoy.train_toy_gan(g, d, points, steps=1, batch_size=16, seed=0)
    assert np.isfinite(history["g_grad_norm"][0]) and history["g_grad_norm"][0] > 0
    assert any(not torch.equal(a, b) for a, b in zip(g_before, g.parameters()))
    # Redo only the D step by hand, from the same start on the same batch.
    torch.manual_seed(0)
    g2, d2 = ttoy.ToyGenerator(hidden=8), ttoy.ToyDiscriminator(hidden=8)
    for a, b in zip(before, d2.parameters()):
        assert torch.equal(a, b)
    rng = np.random.default_rng(0)
    real = torch.as_tensor(points[rng.integers(0, len(points), size=16)])
    z = torch.as_tensor(rng.standard_normal((16, 2), dtype=np.float32))
    opt = torch.optim.Adam(d2.parameters(), lr=1e-3, betas=(0.5, 0.999))
    real_logits, fake_logits = d2(real), d2(g2(z).detach())
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        real_logits, torch.ones_like(real_logits)
    ) + torch.nn.functional.binary_cross_entropy_with_logits(
        fake_logits, torch.zeros_like(fake_logits)
    )
    loss.backward()
    opt.step()
    for a, b in zip(d.parameters(), d2.parameters()):
        assert torch.allclose(a, b, atol=1e-7), (
            "the generator step changed the discriminator"
        )


@pytest.mark.parametrize("module", [ttoy, ktoy], ids=["torch", "keras"])
@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"points": np.zeros((10, 3))}, "points must have shape (N, 2)"),
        ({"points": np.full((10, 2), np.nan)}, "NaN"),
        ({"steps": 0}, "steps"),
        ({"loss": "wasserstein"}, "loss must be one of"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"d_steps": 0}, "d_steps"),
        ({"g_steps": 0}, "g_steps"),
    ],
)
def test_bad_input(module, kwargs, fragment):
    args = {"points": np.zeros((10, 2), "float32"), "steps": 1, **kwargs}
    points = args.pop("points")
    with pytest.raises(ValueError, match=None) as info:
        module.train_toy_gan(
            module.ToyGenerator(), module.ToyDiscriminator(), points, **args
        )
    assert fragment in str(info.value)


@pytest.mark.parametrize("module", [ttoy, ktoy], ids=["torch", "keras"])
def test_bad_sizes(module):
    with pytest.raises(ValueError, match="latent_dim"):
        module.ToyGenerator(latent_dim=0)
    with pytest.raises(ValueError, match="hidden"):
        module.ToyDiscriminator(hidden=0)
