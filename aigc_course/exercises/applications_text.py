"""Reference functions and exercise checkers for chapter 6: text generation.

Framework-free NumPy, written once for both frameworks:

* :func:`softmax_with_temperature`, :func:`top_k_probs`, :func:`top_p_probs`: the
  next-token distribution a decoding strategy samples from (the package's
  :func:`aigc_course.data.text.sample_next` draws from the first two);
* :func:`entropy`: how spread out a distribution is, in nats;
* :func:`words`, :func:`distinct_n`, :func:`sample_stats`: honest, cheap numbers
  about generated text (how many of its words exist in the training text, how
  varied it is, how much of it is copied line for line).

Each ``check_...`` function calls the reader's version on chosen inputs and on inputs
drawn at random, and says what is wrong, not only whether it is::

    from aigc_course.exercises import applications_text as ex
    ex.check_temperature_softmax(my_softmax)
"""

from __future__ import annotations

import functools
import re

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback

__all__ = [
    "check_distinct_n",
    "check_temperature_softmax",
    "check_top_k_filter",
    "check_top_p_filter",
    "distinct_n",
    "entropy",
    "sample_stats",
    "softmax_with_temperature",
    "top_k_probs",
    "top_p_probs",
    "words",
]


# --------------------------------------------------------------------------
# Reference functions
# --------------------------------------------------------------------------


def _logits(logits) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim < 1 or z.shape[-1] < 1:
        raise ValueError(
            f"logits must have a last axis of at least one token, got shape {z.shape}"
        )
    if not np.all(np.isfinite(z)):
        raise ValueError("logits hold NaN or infinite values")
    return z


def _check_temperature(temperature) -> float:
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float, np.floating))
        or not 0 < temperature < np.inf
    ):
        raise ValueError(
            "temperature must be a finite number > 0 (greedy decoding "
            f"is the limit T -> 0), got {temperature!r}"
        )
    return float(temperature)


def softmax_with_temperature(logits, temperature: float = 1.0) -> np.ndarray:
    """``softmax(logits / temperature)`` along the last axis, in float64.

    The largest logit is subtracted first: it cancels in the ratio and keeps
    ``exp`` from overflowing.
    """
    z = _logits(logits) / _check_temperature(temperature)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def top_k_probs(logits, k: int, temperature: float = 1.0) -> np.ndarray:
    """The top-k distribution: ``softmax(logits / T)`` on the ``k`` largest logits, 0
    elsewhere.

    Like :func:`aigc_course.data.text.sample_next`, a logit tied with the k-th largest
    is kept too.
    """
    z = _logits(logits)
    if (
        isinstance(k, bool)
        or not isinstance(k, (int, np.integer))
        or not 1 <= k <= z.shape[-1]
    ):
        raise ValueError(
            f"k must be an integer in [1, {z.shape[-1]}] (the number of "
            f"tokens), got {k!r}"
        )
    kth = np.sort(z, axis=-1)[..., -k][..., None]  # the k-th largest logit of each row
    # exp(-inf) = 0
    return _softmax(np.where(z < kth, -np.inf, z) / _check_temperature(temperature))


def top_p_probs(logits, p: float, temperature: float = 1.0) -> np.ndarray:
    """The nucleus (top-p) distribution of Holtzman et al. (2020), for a 1-D ``logits``.

    Keeps the smallest set of most likely tokens whose probabilities add up to
    at least ``p`` (the token that crosses ``p`` is in the set), and renormalises.
    """
    probs = softmax_with_temperature(logits, temperature)
    if probs.ndim != 1:
        raise ValueError(
            f"logits must be 1-D (one score per token), got shape {probs.shape}"
        )
    if (
        isinstance(p, bool)
        or not isinstance(p, (int, float, np.floating))
        or not 0 < p <= 1
    ):
        raise ValueError(f"p must be a number in (0, 1], got {p!r}")
    order = np.argsort(-probs, kind="stable")  # most likely first
    # probability of the tokens ranked above each one
    mass_before = np.cumsum(probs[order]) - probs[order]
    keep = np.zeros(probs.shape, dtype=bool)
    keep[order[mass_before < p]] = True
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum()


def entropy(probs, axis: int = -1) -> np.ndarray:
    """Shannon entropy ``-sum p log p`` in nats (``0 log 0 = 0``)."""
    p = np.asarray(probs, dtype=np.float64)
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=axis)


def words(text: str) -> list[str]:
    """The words of ``text``: runs of letters, lower-cased (punctuation and digits split
    words)."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    return re.findall(r"[a-z]+", text.lower())


def distinct_n(tokens, n: int) -> float:
    """Distinct-n (Li et al., 2016): distinct n-grams / all n-grams of ``tokens`` (0
    when there are none).

    1 means no n-gram repeats; a text stuck in a loop scores near 0.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    tokens = list(tokens)
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def sample_stats(sample: str, training_text: str, prompt: str = "") -> dict[str, float]:
    """Numbers about one generated ``sample`` (its ``prompt`` is removed first).

    * ``known_words``: fraction of its words that occur in ``training_text``;
    * ``distinct_1``, ``distinct_2``: :func:`distinct_n` of its words;
    * ``copied_lines``: fraction of its complete lines (the unfinished last one
      is left out) that appear verbatim as a line of ``training_text``.
    """
    if not sample.startswith(prompt):
        raise ValueError(
            "sample must start with prompt (generate returns the prompt "
            "followed by the new text)"
        )
    new = sample[len(prompt) :]
    vocabulary = set(words(training_text))
    ws = words(new)
    train_lines = {line.strip() for line in training_text.splitlines() if line.strip()}
    # complete lines only
    lines = [line.strip() for line in (prompt + new).splitlines()[:-1] if line.strip()]
    return {
        "known_words": float(np.mean([w in vocabulary for w in ws])) if ws else 0.0,
        "distinct_1": distinct_n(ws, 1),
        "distinct_2": distinct_n(ws, 2),
        "copied_lines": float(np.mean([line in train_lines for line in lines]))
        if lines
        else 0.0,
    }


# --------------------------------------------------------------------------
# Shared helpers of the checkers
# --------------------------------------------------------------------------

_close = functools.partial(checking.close, rtol=1e-6, atol=1e-9)
# NaN passes through: 0 / 0 from an empty selection is explained by the mistakes below.
_numbers = functools.partial(checking.numbers, finite=False)


def _softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------
# Temperature
# --------------------------------------------------------------------------

_rng = np.random.default_rng(11)
_BATCH = _rng.normal(0.0, 2.0, (3, 7))  # three next-token score vectors over 7 tokens
# a row whose exp overflows
_BIG = np.array([[1000.0, 998.0, 995.0, 990.0], [-3.0, 0.0, 2.0, 1.0]])
_TEMPERATURES = (0.5, 1.0, 2.0)


def _temperature_cases() -> list[Case]:
    rng = checking.fresh_rng()
    t = round(float(rng.uniform(0.3, 3.0)), 2)
    cases = [Case((_BATCH, t), f"at T = {t}") for t in _TEMPERATURES]
    return cases + [
        Case((rng.normal(0.0, 2.0, (4, 9)), t), f"on random logits at T = {t}")
    ]


_TEMPERATURE_MISTAKES = {
    "you multiplied the logits by T; "
    "temperature divides them: softmax(z / "
    "T)": lambda z, t: _softmax(z * t),
    "the temperature has no effect in your version: divide the logits by T before the "
    "softmax": lambda z, t: _softmax(z),
    "you normalised over the batch (axis 0); each row is one distribution: normalise "
    "along the last axis": lambda z, t: _softmax(z / t, axis=0),
    "you normalised over the whole array; each row is one distribution: normalise "
    "along the last axis": lambda z, t: np.exp(z / t) / np.exp(z / t).sum(),
    "the probabilities do not add up to 1: divide exp(z / T) by its sum over the "
    "tokens": lambda z, t: np.exp(z / t),
    "you returned log-probabilities; "
    "return the probabilities themselves": lambda z, t: np.log(_softmax(z / t)),
    "you returned z / T; apply the softmax to it": lambda z, t: z / t,
}


def _temperature_diagnose(outs, rights, cases):
    if not all(np.all(np.isfinite(o)) for o in outs):
        return ["your function returned NaN or infinite values"]
    sums = outs[0].sum(axis=-1)
    if not np.allclose(sums, 1.0):
        return [f"each row must add up to 1; yours add up to {checking.fmt(sums)}"]
    return []


def _temperature_overflow(fn) -> list[str]:
    big, problem = checking.run(fn, (_BIG, 1.0), _numbers, quiet=True)
    if problem:
        return [problem]
    if big.shape == _BIG.shape and not np.all(np.isfinite(big)):
        return (
            [
                "right on ordinary logits, but logits near 1000 give NaN or inf: "
                "exp(1000) overflows"
            ],
            [
                "subtract the largest logit of each row before exp; it cancels in the "
                "ratio"
            ],
        )
    if not _close(big, softmax_with_temperature(_BIG, 1.0)):
        return [
            "right on ordinary logits, wrong on large ones: check how you keep "
            "exp from overflowing"
        ]
    return []


@checking.checker
def check_temperature_softmax(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, temperature) -> probs``: ``softmax(logits / T)`` along the
    last axis of ``(batch, V)`` logits."""
    return checking.judge(
        "Softmax with temperature",
        fn,
        _temperature_cases(),
        softmax_with_temperature,
        same=_close,
        convert=_numbers,
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)} for logits of "
            f"shape {right.shape}: "
            "return one probability per token"
        ),
        mistakes=_TEMPERATURE_MISTAKES,
        diagnose=_temperature_diagnose,
        extra=_temperature_overflow,
        quiet=True,
        differs_hints=[
            "e = np.exp(z / T - (z / T).max(axis=-1, keepdims=True)); e / "
            "e.sum(axis=-1, keepdims=True)"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# Top-k
# --------------------------------------------------------------------------

_TOPK_LOGITS = np.array([1.2, -0.4, 3.1, 0.3, 2.2, -1.5, 0.9, 1.7])  # no ties
_KS = (3, 1, 8)


def _top_k_cases() -> list[Case]:
    rng = checking.fresh_rng()
    # distinct: no ties
    logits = rng.permutation(np.linspace(-2.0, 3.0, 11)) + rng.uniform(-0.1, 0.1)
    k = int(rng.integers(2, 10))
    return [Case((_TOPK_LOGITS, k), f"for k = {k}") for k in _KS] + [
        Case((logits, k), f"on random logits for k = {k}")
    ]


def _keep(z, idx):
    mask = np.zeros(len(z), bool)
    mask[idx] = True
    return mask


def _renormalised(z, mask):
    kept = np.where(mask, _softmax(z), 0.0)
    return kept / kept.sum()


def _top(z, k):
    return np.argsort(-z)[:k]


_TOP_K_MISTAKES = {
    "the kept probabilities do not add up to 1: renormalise over the k tokens you "
    "keep": lambda z, k: np.where(_keep(z, _top(z, k)), _softmax(z), 0.0),
    "you kept the k *least* likely tokens; "
    "top-k keeps the k largest logits": lambda z, k: _renormalised(
        z, _keep(z, np.argsort(z)[:k])
    ),
    "you kept k + 1 tokens (off by one): keep exactly the k largest": lambda z, k: (
        _renormalised(z, _keep(z, _top(z, k + 1)))
    ),
    "you kept k - 1 tokens (off by one): keep exactly the k largest": lambda z, k: (
        _renormalised(z, _keep(z, _top(z, k - 1))) if k > 1 else None
    ),
    "you set the other logits to 0 instead of -inf, so they keep some probability "
    "after the softmax: use -inf": lambda z, k: _softmax(
        np.where(_keep(z, _top(z, k)), z, 0.0)
    ),
    "you returned the filtered logits; apply "
    "the softmax to get probabilities": lambda z, k: np.where(
        _keep(z, _top(z, k)), z, -np.inf
    ),
}


def _top_k_shape(out, right, case) -> str:
    if np.shape(out) == (case.args[1],):
        return (
            "you returned k values (indices or probabilities of the top k); return "
            "a probability for every token, 0 for those left out"
        )
    return (
        f"returned shape {np.shape(out)}, expected {right.shape} (one probability "
        "per token)"
    )


def _top_k_diagnose(outs, rights, cases):
    kept = [int(np.sum(o > 0)) for o in outs]
    ks = [c.args[1] for c in cases]
    if kept != ks:
        return [
            f"for k = {ks} your function kept {kept} tokens with a probability above 0"
        ]
    return []


@checking.checker
def check_top_k_filter(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, k) -> probs``: the softmax of the ``k`` largest logits, 0 for
    the others (1-D logits)."""
    return checking.judge(
        "Top-k filter",
        fn,
        _top_k_cases(),
        top_k_probs,
        same=_close,
        convert=_numbers,
        shape=_top_k_shape,
        mistakes=_TOP_K_MISTAKES,
        diagnose=_top_k_diagnose,
        quiet=True,
        differs_hints=[
            "kth = np.sort(z)[-k]; z = np.where(z < kth, -np.inf, z); then the softmax"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# Top-p (nucleus)
# --------------------------------------------------------------------------

# probabilities 0.40, 0.25, 0.15, 0.10, 0.06, 0.04, in a shuffled order, as logits
_TOPP_PROBS = np.array([0.10, 0.40, 0.04, 0.15, 0.25, 0.06])
_TOPP_LOGITS = np.log(_TOPP_PROBS) + 0.7  # a constant shift changes no probability
# cumulative mass 0.40, 0.65, 0.80, 0.90, 0.96, 1: no p on a boundary
_PS = (0.6, 0.85, 0.3, 1.0)


def _top_p_cases() -> list[Case]:
    rng = checking.fresh_rng()
    probs = rng.dirichlet(np.ones(8))
    mass = np.cumsum(np.sort(probs)[::-1])
    i = int(rng.integers(1, 6))
    # halfway between two cumulative masses: no p on a boundary
    p = round(float((mass[i - 1] + mass[i]) / 2), 6)
    cases = [Case((_TOPP_LOGITS, p), f"for p = {p}") for p in _PS]
    return cases + [Case((np.log(probs), p), f"on random logits for p = {p}")]


def _nucleus(z, p, include_crossing=True, ascending=False, normalise=True):
    probs = _softmax(z)
    order = np.argsort(probs) if ascending else np.argsort(-probs)
    before = np.cumsum(probs[order]) - probs[order]
    upto = np.cumsum(probs[order])
    chosen = order[before < p] if include_crossing else order[upto < p - 1e-12]
    kept = np.zeros_like(probs)
    kept[chosen] = probs[chosen]
    if kept.sum() == 0:
        return None  # this mistake keeps nothing for this p
    return kept / kept.sum() if normalise else kept


_TOP_P_MISTAKES = {
    "you left out the token that crosses p: the nucleus is the *smallest* set whose "
    "probability reaches p, so it "
    "includes that token (for p = 0.6: "
    "0.40 + 0.25 = 0.65, two tokens)": lambda z, p: _nucleus(
        z, p, include_crossing=False
    ),
    "the kept probabilities do not add up "
    "to 1: renormalise over the nucleus": lambda z, p: _nucleus(z, p, normalise=False),
    "you accumulated from the least likely token; sort by probability, most likely "
    "first": lambda z, p: _nucleus(z, p, ascending=True),
    "you returned values in sorted order; return one probability per token in the "
    "input order": lambda z, p: np.sort(top_p_probs(z, p))[::-1],
}


@checking.checker
def check_top_p_filter(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, p) -> probs``: the nucleus of ``softmax(logits)`` with mass at
    least ``p``, renormalised."""
    return checking.judge(
        "Top-p (nucleus) filter", fn, _top_p_cases(), top_p_probs,
        same=functools.partial(checking.close, rtol=1e-6, atol=1e-7), convert=_numbers,
        shape=lambda out, right, case: f"returned shape {np.shape(out)}, expected "
                                       f"{right.shape} "
                                       "(one probability per token, in the input "
                                       "order)",
        mistakes=_TOP_P_MISTAKES, quiet=True,
        differs_hints=["sort the probabilities, most likely first; keep a token while "
                       "the mass of the tokens above it "
                       "is still < p; renormalise"], show=show,
    )  # fmt: skip


# --------------------------------------------------------------------------
# Distinct-n
# --------------------------------------------------------------------------

_TEXTS = (
    "the cat sat on the mat and the cat sat on the hat".split(),
    "a a a a a a".split(),
    "every word here is different from the others".split(),
)
_NS = (1, 2, 3)


def _distinct_cases() -> list[Case]:
    rng = checking.fresh_rng()
    random_words = [
        str(w)
        for w in rng.choice(
            ["to", "be", "or", "not", "that", "is"], int(rng.integers(8, 15))
        )
    ]
    cases = [
        Case((list(t), n), f"for '{' '.join(t[:4])} ...' and n = {n}")
        for t in _TEXTS
        for n in _NS
    ]
    n = int(rng.integers(1, 4))
    return cases + [
        Case(
            (random_words, n),
            f"for random words '{' '.join(random_words[:4])} ...' and n = {n}",
        )
    ]


def _grams(tokens, n):
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


_DISTINCT_MISTAKES = {
    "you divided by the number of words; divide by the number of n-grams, len(tokens) "
    "- n + 1": lambda t, n: len(set(_grams(t, n))) / len(t),
    "you returned the count of distinct "
    "n-grams; divide it by the number of "
    "n-grams": lambda t, n: len(set(_grams(t, n))),
    "your result does not depend on n: count distinct n-grams (tuples of n "
    "consecutive words), not distinct words": lambda t, n: len(set(t)) / len(t),
    "you returned the repeated fraction, 1 - "
    "distinct-n; distinct-n is distinct / all": lambda t, n: 1 - distinct_n(t, n),
    "you counted n-grams of characters; the tokens here are words (the list you are "
    "given)": lambda t, n: distinct_n(" ".join(t), n),
}


@checking.checker
def check_distinct_n(fn, show: bool = True) -> Feedback:
    """Check ``fn(tokens, n) -> float``: distinct n-grams divided by all n-grams of a
    list of words."""
    return checking.judge(
        "Distinct-n", fn, _distinct_cases(), distinct_n, same=_close,
        shape=lambda out, right, case: f"returned shape {np.shape(out)}; distinct-n "
                                       "is one number", mistakes=_DISTINCT_MISTAKES,
        differs_hints=["grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - "
                       "n + 1)]; len(set(grams)) / len(grams)"],
        show=show,
    )  # fmt: skip
