"""Each perturbed environment that CI runs the notebooks in must change trained numbers.

`.ci/run` re-runs every notebook under each of `aigc_course.core.perturb.PERTURBATIONS`
to show that the book's checks hold on other machines.  An environment that changed
nothing would prove nothing, so this test trains a VAE and a GAN for two epochs in
both frameworks, plainly and under each environment, and requires at least one
printed loss per framework to change, and none to change by more than a machine
could (2%).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aigc_course.core.perturb import PERTURB_ENV_VAR, PERTURBATIONS

PROBE = Path(__file__).with_name("perturbation_probe.py")
CONTROLLED = [
    "ATEN_CPU_CAPABILITY",
    "TF_ENABLE_ONEDNN_OPTS",
    "AIGC_COURSE_THREADS",
    PERTURB_ENV_VAR,
    "AIGC_COURSE_SEED_OFFSET",
]


def probe(extra: dict[str, str]) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    env.update({"AIGC_COURSE_DEVICE": "cpu", "TF_ENABLE_ONEDNN_OPTS": "0", **extra})
    done = subprocess.run(
        [sys.executable, str(PROBE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def plain():
    return probe({})


@pytest.mark.parametrize("name", sorted(PERTURBATIONS))
def test_perturbation_changes_numbers_in_both_frameworks(plain, name):
    perturbed = probe(PERTURBATIONS[name])
    assert perturbed.keys() == plain.keys()
    for framework in ("torch", "keras"):
        changed = [
            key
            for key in plain
            if key.startswith(framework) and perturbed[key] != plain[key]
        ]
        assert changed, f"{name} changed no {framework} number: {perturbed} vs {plain}"
    for key in plain:
        assert perturbed[key] == pytest.approx(plain[key], rel=0.02), (
            f"{name} moved {key} too far"
        )


def test_without_a_perturbation_numbers_repeat(plain):
    assert probe({}) == plain


def test_nudge_is_off_unless_asked(monkeypatch):
    import torch

    from aigc_course import torch as tac
    from aigc_course.torch._core import nudge_weights

    monkeypatch.delenv(PERTURB_ENV_VAR, raising=False)
    model = tac.MLPGenerator(8, latent_dim=4)
    before = [p.detach().clone() for p in model.parameters()]
    nudge_weights(model)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_nudge_is_small_relative_and_once_per_model(monkeypatch, framework):
    import numpy as np

    if framework == "torch":
        from aigc_course import torch as ac
        from aigc_course.torch._core import nudge_weights

        def weights(model):
            return [p.detach().numpy().copy() for p in model.parameters()]
    else:
        import keras

        from aigc_course import keras as ac
        from aigc_course.keras._core import nudge_weights

        def weights(model):
            return [keras.ops.convert_to_numpy(w) for w in model.weights]

    monkeypatch.setenv(PERTURB_ENV_VAR, "1e-4")
    model = ac.MLPGenerator(8, latent_dim=4)
    before = weights(model)
    nudge_weights(model)
    after = weights(model)
    # a second train() on the same model, or a resumed run: no second nudge
    nudge_weights(model)
    for a, b, c in zip(before, after, weights(model)):
        np.testing.assert_allclose(b, a, rtol=1.01e-4, atol=0)
        np.testing.assert_array_equal(c, b)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("bad", ["big", "-1e-4", "0.1"])
def test_bad_perturbation_is_named(monkeypatch, bad):
    from aigc_course.core import perturb

    monkeypatch.setenv(PERTURB_ENV_VAR, bad)
    with pytest.raises(ValueError, match="AIGC_COURSE_PERTURB must be"):
        perturb.perturbation()
