"""Exact resume at any step: stop inside an epoch in one process, continue in a fresh
one.

For each framework and each trainer (GAN with and without weight averaging, a
conditional GAN, a VAE, a conditional VAE, TinyGPT with dropout, a DDPM with weight
averaging and a conditional flow-matching model), the run that stopped and resumed ends
bit for bit where the straight run ends: every weight, every optimizer variable, the
samples and the history.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

PROBE = Path(__file__).with_name("resume_probe.py")
MODELS = ["gan", "gan_ema", "cgan", "vae", "cvae", "gpt", "ddpm", "cflow"]


def _probe(framework: str, phase: str, out: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(
        [sys.executable, str(PROBE), framework, phase, str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module", params=["torch", "keras"])
def runs(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"resume-{request.param}")
    _probe(request.param, "first", out)
    # a fresh process: nothing carried over but the checkpoint
    _probe(request.param, "resumed", out)
    return request.param, out


def _load(path: Path) -> dict:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("model", MODELS)
def test_resumed_run_ends_bit_for_bit_where_the_straight_run_ends(runs, model):
    framework, out = runs
    straight = _load(out / f"{framework}-{model}-straight.npz")
    resumed = _load(out / f"{framework}-{model}-resumed.npz")
    short = _load(out / f"{framework}-{model}-short.npz")
    assert sorted(resumed) == sorted(straight)
    assert any(k.startswith("o:") for k in straight), "optimizer state is compared too"
    for key in straight:
        if key != "history":
            np.testing.assert_array_equal(resumed[key], straight[key], err_msg=key)
    h_straight, h_resumed = (
        json.loads(str(straight["history"])),
        json.loads(str(resumed["history"])),
    )
    assert h_resumed == h_straight
    # the stop really fell inside an epoch (or between two records): the short run's
    # last entry covers fewer steps than a whole one, and the resumed run replaced it
    h_short = json.loads(str(short["history"]))
    first = next(iter(h_short))
    if model == "gpt":
        assert h_short["step"] == [3, 5] and h_straight["step"] == [3, 6, 9]
    else:
        # epochs of 3, 1 | 3, 3, 1 steps
        assert len(h_short[first]) == 2 and len(h_straight[first]) == 3
        assert (
            h_short[first][0] == h_straight[first][0]
            and h_short[first][1] != h_straight[first][1]
        )
