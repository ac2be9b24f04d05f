"""Chapter 6 (text generation): reference functions and checkers."""

import numpy as np
import pytest

from aigc_course.data import text
from aigc_course.exercises import applications_text as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert any(fragment in p for p in result.problems + result.hints), (
        result.problems,
        result.hints,
    )


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---- reference functions ----------------------------------------------------------


def test_temperature_limits_and_entropy_grow_with_temperature():
    z = np.array([2.0, 1.0, 0.5, -1.0, 0.0])
    assert np.allclose(ex.softmax_with_temperature(z, 1.0), _softmax(z))
    # T -> 0: the argmax
    assert np.allclose(ex.softmax_with_temperature(z, 1e-3), np.eye(5)[0])
    # T -> inf: uniform
    assert np.allclose(ex.softmax_with_temperature(z, 1e4), np.full(5, 0.2), atol=1e-3)
    temperatures = np.linspace(0.1, 5, 50)
    h = [ex.entropy(ex.softmax_with_temperature(z, t)) for t in temperatures]
    assert np.all(np.diff(h) > 0)
    # dH/dT = Var_p(z) / T^3
    t, dt = 0.8, 1e-5
    p = ex.softmax_with_temperature(z, t)
    numeric = (
        ex.entropy(ex.softmax_with_temperature(z, t + dt))
        - ex.entropy(ex.softmax_with_temperature(z, t - dt))
    ) / (2 * dt)
    assert np.isclose(numeric, (p @ z**2 - (p @ z) ** 2) / t**3, rtol=1e-5)
    assert np.all(
        np.isfinite(ex.softmax_with_temperature(np.array([1000.0, 0.0]), 0.5))
    )


def test_top_k_and_top_p_match_the_package_sampler_and_transformers():
    rng = np.random.default_rng(0)
    z = rng.normal(size=12)
    probs = ex.top_k_probs(z, 4, temperature=0.7)
    assert np.sum(probs > 0) == 4 and np.isclose(probs.sum(), 1)
    draws = (
        np.bincount(
            [text.sample_next(z, 0.7, 4, rng) for _ in range(20_000)], minlength=12
        )
        / 20_000
    )
    # the package samples from this distribution
    assert np.abs(draws - probs).max() < 0.015
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    scores = torch.tensor(z[None], dtype=torch.float64)
    for p in (0.3, 0.6, 0.9):
        warped = transformers.TopPLogitsWarper(p)(None, scores.clone())
        assert np.allclose(ex.top_p_probs(z, p), torch.softmax(warped, -1).numpy()[0])
    warped = transformers.TopKLogitsWarper(4)(None, scores.clone() / 0.7)
    assert np.allclose(probs, torch.softmax(warped, -1).numpy()[0])


def test_top_p_keeps_the_token_that_crosses_p():
    probs = np.array([0.5, 0.3, 0.2])
    assert np.allclose(ex.top_p_probs(np.log(probs), 0.6), [0.625, 0.375, 0])
    assert np.allclose(ex.top_p_probs(np.log(probs), 0.4), [1, 0, 0])
    assert np.allclose(ex.top_p_probs(np.log(probs), 1.0), probs)


def test_distinct_n_words_and_sample_stats():
    assert ex.words("It's a cat, by the sea!") == [
        "it",
        "s",
        "a",
        "cat",
        "by",
        "the",
        "sea",
    ]
    assert ex.distinct_n("a b a b".split(), 1) == 0.5
    assert ex.distinct_n("a b a b".split(), 2) == 2 / 3
    assert ex.distinct_n(["a"], 2) == 0.0
    training = "there once was a cat\nwho would sing\n"
    stats = ex.sample_stats(
        "there once was a dog\nwho would sing\nand", training, prompt="there"
    )
    # once was a dog who would sing and: "dog" and "and" are new
    assert stats["known_words"] == 6 / 8
    assert stats["copied_lines"] == 0.5  # two complete lines, one seen in training
    with pytest.raises(ValueError, match="prompt"):
        ex.sample_stats("abc", training, prompt="x")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ex.softmax_with_temperature([1.0, 2.0], 0), "temperature"),
        (lambda: ex.top_k_probs([1.0, 2.0], 3), "k must be"),
        (lambda: ex.top_p_probs([1.0, 2.0], 0.0), "p must be"),
        (lambda: ex.distinct_n(["a"], 0), "n must be"),
        (lambda: ex.words(3), "string"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---- temperature --------------------------------------------------------------------


def temperature_right(logits, t):
    z = logits / t
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda z, t: _softmax(z * t), "multiplied the logits by T"),
        (lambda z, t: _softmax(z), "no effect"),
        (lambda z, t: _softmax(z / t, axis=0), "axis 0"),
        (lambda z, t: np.exp(z / t) / np.exp(z / t).sum(), "whole array"),
        (lambda z, t: np.exp(z / t), "add up to 1"),
        (lambda z, t: np.log(_softmax(z / t)), "log-probabilities"),
        (lambda z, t: z / t, "apply the softmax"),
        (
            lambda z, t: np.exp(z / t) / np.exp(z / t).sum(axis=-1, keepdims=True),
            "overflows",
        ),
        (lambda z, t: _softmax(z / t)[:, :3], "returned shape"),
        (lambda z, t: _softmax(z / t) + 0.01, "add up to"),
        (lambda z, t: 1 / 0, "raised ZeroDivisionError"),
        ("not a function", "expected a function"),
    ],
)
def test_temperature_mistakes(wrong, fragment):
    _only(ex.check_temperature_softmax(wrong, show=False), fragment)


def test_temperature_right_answers_pass(capsys):
    assert ex.check_temperature_softmax(temperature_right).passed
    assert "correct" in capsys.readouterr().out
    torch = pytest.importorskip("torch")
    assert ex.check_temperature_softmax(
        lambda z, t: torch.softmax(torch.as_tensor(z) / t, -1), show=False
    ).passed


# ---- top-k ---------------------------------------------------------------------------


def top_k_right(logits, k):
    kth = np.sort(logits)[-k]
    return _softmax(np.where(logits < kth, -np.inf, logits))


def _keep(z, idx):
    mask = np.zeros(len(z), bool)
    mask[idx] = True
    return mask


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda z, k: np.where(_keep(z, np.argsort(-z)[:k]), _softmax(z), 0),
            "renormalise",
        ),
        (
            lambda z, k: (
                top_k_right(-z, k) * 0
                + _softmax(np.where(_keep(z, np.argsort(z)[:k]), z, -np.inf))
            ),
            "least",
        ),
        (
            lambda z, k: _softmax(
                np.where(_keep(z, np.argsort(-z)[: k + 1]), z, -np.inf)
            ),
            "k + 1",
        ),
        (
            lambda z, k: _softmax(np.where(z < np.sort(z)[-(k - 1)], -np.inf, z)),
            "k - 1",
        ),
        (
            lambda z, k: _softmax(np.where(_keep(z, np.argsort(-z)[:k]), z, 0.0)),
            "instead of -inf",
        ),
        (
            lambda z, k: np.where(_keep(z, np.argsort(-z)[:k]), z, -np.inf),
            "filtered logits",
        ),
        (lambda z, k: np.argsort(-z)[:k], "k values"),
        (lambda z, k: top_k_right(z, k) * 0.5 + 0.5 * _softmax(z), "kept"),
    ],
)
def test_top_k_mistakes(wrong, fragment):
    _only(ex.check_top_k_filter(wrong, show=False), fragment)


def test_top_k_right_answer_passes(capsys):
    assert ex.check_top_k_filter(top_k_right).passed
    assert "correct" in capsys.readouterr().out


# ---- top-p ---------------------------------------------------------------------------


def top_p_right(logits, p):
    probs = _softmax(logits)
    order = np.argsort(-probs)
    before = np.cumsum(probs[order]) - probs[order]
    kept = np.zeros_like(probs)
    kept[order[before < p]] = probs[order[before < p]]
    return kept / kept.sum()


def top_p_exclusive(logits, p):
    probs = _softmax(logits)
    order = np.argsort(-probs)
    chosen = order[np.cumsum(probs[order]) < p]
    kept = np.zeros_like(probs)
    kept[chosen] = probs[chosen]
    return kept / kept.sum()


def top_p_unnormalised(logits, p):
    probs = _softmax(logits)
    return np.where(top_p_right(logits, p) > 0, probs, 0)


def top_p_ascending(logits, p):
    probs = _softmax(logits)
    order = np.argsort(probs)
    before = np.cumsum(probs[order]) - probs[order]
    kept = np.zeros_like(probs)
    kept[order[before < p]] = probs[order[before < p]]
    return kept / kept.sum()


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (top_p_exclusive, "crosses p"),
        (top_p_unnormalised, "renormalise"),
        (top_p_ascending, "least likely"),
        (lambda z, p: np.sort(top_p_right(z, p))[::-1], "input order"),
        (lambda z, p: _softmax(z), "values differ"),
        (lambda z, p: top_p_right(z, p)[:3], "returned shape"),
    ],
)
def test_top_p_mistakes(wrong, fragment):
    with np.errstate(invalid="ignore", divide="ignore"):
        _only(ex.check_top_p_filter(wrong, show=False), fragment)


def test_top_p_right_answer_passes(capsys):
    assert ex.check_top_p_filter(top_p_right).passed
    assert "correct" in capsys.readouterr().out


# ---- distinct-n ----------------------------------------------------------------------


def distinct_right(tokens, n):
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda t, n: (
                len({tuple(t[i : i + n]) for i in range(len(t) - n + 1)}) / len(t)
            ),
            "number of words",
        ),
        (
            lambda t, n: len({tuple(t[i : i + n]) for i in range(len(t) - n + 1)}),
            "count of distinct",
        ),
        (lambda t, n: len(set(t)) / len(t), "does not depend on n"),
        (lambda t, n: 1 - distinct_right(t, n), "1 - distinct-n"),
        (lambda t, n: distinct_right(" ".join(t), n), "characters"),
        (lambda t, n: distinct_right(t, n) * 0.9, "expected"),
        (lambda t, n: [distinct_right(t, n)] * 2, "one number"),
    ],
)
def test_distinct_mistakes(wrong, fragment):
    _only(ex.check_distinct_n(wrong, show=False), fragment)


def test_distinct_right_answer_passes(capsys):
    assert ex.check_distinct_n(distinct_right).passed
    assert "correct" in capsys.readouterr().out
