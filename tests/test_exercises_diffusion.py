"""The chapter-7 checkers accept the right answer and name the typical mistakes."""

import numpy as np
import pytest
import torch

from aigc_course.exercises import diffusion as ex
from aigc_course.exercises._checking import NONE_PROBLEM
from aigc_course.maths import diffusion


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert any(fragment in p for p in result.problems), result.problems


def _column(values, t, x):
    return np.asarray(values)[t].reshape(-1, *([1] * (x.ndim - 1)))


# ---- q_sample --------------------------------------------------------------


def q_right(x0, t, noise, alpha_bars):
    a = _column(alpha_bars, t, x0)
    return np.sqrt(a) * x0 + np.sqrt(1 - a) * noise


def _q(coefficients):
    def answer(x0, t, noise, alpha_bars):
        a, b = coefficients(_column(alpha_bars, t, x0))
        return a * x0 + b * noise

    return answer


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (_q(lambda a: (a, 1 - a)), "they are the variances"),
        (_q(lambda a: (np.sqrt(1 - a), np.sqrt(a))), "coefficients are swapped"),
        (_q(lambda a: (np.sqrt(a), 1 - a)), "only the signal's coefficient"),
        (_q(lambda a: (a, np.sqrt(1 - a))), "only the noise's coefficient"),
        (
            lambda x0, t, n, ab: q_right(x0, np.maximum(t - 1, 0), n, ab),
            "alpha_bars[t - 1]",
        ),
        (
            lambda x0, t, n, ab: np.sqrt(ab[t]) * x0 + np.sqrt(1 - ab[t]) * n,
            "could not be broadcast",
        ),
        (lambda x0, t, n, ab: n, "values differ"),
        (lambda x0, t, n, ab: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_q_sample_mistakes(wrong, fragment):
    _only(ex.check_q_sample(wrong, show=False), fragment)


def test_q_sample_right_answer_passes(capsys):
    assert ex.check_q_sample(q_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_q_sample(diffusion.q_sample, show=False).passed


def test_q_sample_names_an_index_off_by_one_when_it_reproduces_it():
    calls = []

    def shifted(x0, t, noise, alpha_bars):
        calls.append(t)
        return q_right(x0, t + 1, noise, alpha_bars)

    result = ex.check_q_sample(shifted, show=False)
    assert not result.passed
    if all(np.max(t) < 19 for t in calls):  # every case had a t + 1 to read
        assert any("alpha_bars[t + 1]" in p for p in result.problems), result.problems


# ---- DDIM ------------------------------------------------------------------


def ddim_right(x_t, t, t_prev, eps, alpha_bars):
    a_t = alpha_bars[t]
    a_prev = 1.0 if t_prev < 0 else alpha_bars[t_prev]
    x0 = (x_t - np.sqrt(1 - a_t) * eps) / np.sqrt(a_t)
    return np.sqrt(a_prev) * x0 + np.sqrt(1 - a_prev) * eps


def _ddim(step):
    def answer(x_t, t, t_prev, eps, alpha_bars):
        a_t = alpha_bars[t]
        a_prev = 1.0 if t_prev < 0 else alpha_bars[t_prev]
        return step(x_t, eps, a_t, a_prev)

    return answer


def _x0(x, e, a):
    return (x - np.sqrt(1 - a) * e) / np.sqrt(a)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (_ddim(lambda x, e, a, p: _x0(x, e, a)), "you returned the predicted x0"),
        (_ddim(lambda x, e, a, p: np.sqrt(p) * _x0(x, e, a)), "eps term is missing"),
        (
            _ddim(
                lambda x, e, a, p: (
                    np.sqrt(p) * (x - np.sqrt(1 - a) * e) + np.sqrt(1 - p) * e
                )
            ),
            "divided by sqrt(alpha_bar_t)",
        ),
        (_ddim(lambda x, e, a, p: p * _x0(x, e, a) + (1 - p) * e), "use square roots"),
        (
            _ddim(lambda x, e, a, p: np.sqrt(1 - p) * _x0(x, e, a) + np.sqrt(p) * e),
            "swapped coefficients",
        ),
        (
            lambda x, t, t_prev, e, ab: (
                np.sqrt(ab[t_prev]) * _x0(x, e, ab[t]) + np.sqrt(1 - ab[t_prev]) * e
            ),
            "alpha_bars[-1] is the last timestep's",
        ),
        (lambda x, t, t_prev, e, ab: x - e, "values differ"),
    ],
)
def test_ddim_step_mistakes(wrong, fragment):
    _only(ex.check_ddim_step(wrong, show=False), fragment)


def test_ddim_step_right_answer_passes():
    assert ex.check_ddim_step(ddim_right, show=False).passed
    assert ex.check_ddim_step(diffusion.ddim_step, show=False).passed


# ---- flow-matching loss ------------------------------------------------------


def flow_right(predicted, noise, data):
    return np.mean((predicted - (data - noise)) ** 2)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda p, n, d: np.mean((p - (n - d)) ** 2), "points the wrong way"),
        (lambda p, n, d: np.mean((p - d) ** 2), "regressed on the data"),
        (lambda p, n, d: np.mean((p - n) ** 2), "regressed on the noise"),
        (lambda p, n, d: np.sum((p - (d - n)) ** 2), "summed"),
        (lambda p, n, d: np.mean(p - (d - n)), "not squared"),
        (lambda p, n, d: np.mean(np.abs(p - (d - n))), "absolute errors"),
        (lambda p, n, d: (p - (d - n)) ** 2, "one error per entry"),
        (lambda p, n, d: np.mean((p - (d - n)) ** 2, axis=1), "one loss per sample"),
    ],
)
def test_flow_matching_loss_mistakes(wrong, fragment):
    _only(ex.check_flow_matching_loss(wrong, show=False), fragment)


def test_flow_matching_loss_right_answer_passes_also_in_torch():
    assert ex.check_flow_matching_loss(flow_right, show=False).passed

    def in_torch(predicted, noise, data):
        p, n, d = (
            torch.as_tensor(a, dtype=torch.float32) for a in (predicted, noise, data)
        )
        return torch.nn.functional.mse_loss(p.requires_grad_(), d - n)

    assert ex.check_flow_matching_loss(in_torch, show=False).passed


# ---- classifier-free guidance ------------------------------------------------


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda u, c, s: c + s * (u - c), "swapped"),
        (lambda u, c, s: c + s * (c - u), "started from the conditional"),
        (lambda u, c, s: u + (s - 1) * (c - u), "w = scale - 1"),
        (lambda u, c, s: s * c, "scaled the conditional prediction only"),
        (lambda u, c, s: (u + c) / 2, "averaged"),
        (lambda u, c, s: u, "values differ"),
    ],
)
def test_cfg_mix_mistakes(wrong, fragment):
    _only(ex.check_cfg_mix(wrong, show=False), fragment)


def test_cfg_mix_right_answer_passes():
    assert ex.check_cfg_mix(lambda u, c, s: u + s * (c - u), show=False).passed
    assert ex.check_cfg_mix(lambda u, c, s: s * c + (1 - s) * u, show=False).passed


# ---- what every checker guarantees ------------------------------------------

RIGHT = {
    ex.check_q_sample: ex.q_sample,
    ex.check_ddim_step: ex.ddim_step,
    ex.check_flow_matching_loss: ex.flow_matching_loss,
    ex.check_cfg_mix: ex.cfg_mix,
}
CHECKERS = pytest.mark.parametrize("check", list(RIGHT), ids=lambda c: c.__name__)


def test_every_checker_is_tested_here():
    assert {getattr(ex, name) for name in ex.__all__} == set(RIGHT)


def _spy(check):
    calls = []

    def right(*args):
        calls.append(args)
        return RIGHT[check](*args)

    assert check(right, show=False).passed
    return calls


@CHECKERS
def test_at_least_three_inputs_and_one_new_on_every_call(check):
    first, second = _spy(check), _spy(check)
    assert len(first) >= 3
    changed = [
        any(not np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))
        for a, b in zip(first, second)
    ]
    assert any(changed), "no input changed between two calls"


@CHECKERS
def test_a_returned_constant_fails(check):
    stored = RIGHT[check](*_spy(check)[0])
    result = check(lambda *args: stored, show=False)
    assert not result.passed


@CHECKERS
def test_none_is_a_forgotten_return(check):
    result = check(lambda *args: None, show=False)
    assert len(result.problems) == 1 and result.problems[0].endswith(NONE_PROBLEM)
    assert "did you forget to return" in result.problems[0]
