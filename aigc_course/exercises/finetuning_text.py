"""Checkers for the exercises of chapter 5, "Pre-training and fine-tuning" (TinyGPT and
LoRA).

Each checker calls the reader's NumPy function on chosen inputs and on inputs drawn at
random, compares it with the reference written here, and recognises the usual mistakes
so that it can say what is wrong::

    from aigc_course.exercises import finetuning_text as ex
    ex.check_lora_forward(my_lora_forward)

Matrices use PyTorch's layout, as the book's formula does: a linear layer's
weight ``W`` is ``(out, in)``, LoRA's ``A`` is ``(r, in)`` and ``B`` is
``(out, r)``, and ``W' = W + (alpha / r) B A``.
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback, feedback

__all__ = [
    "check_lora_forward",
    "check_lora_init",
    "check_perplexity",
    "check_trainable_count",
    "lora_forward",
    "lora_trainable_count",
    "perplexity",
]

_LAYOUT = "PyTorch's layout: W is (out, in), b (out,), A (r, in), B (out, r)"


_close = functools.partial(checking.close, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------
# LoRA forward pass
# --------------------------------------------------------------------------

_rng = np.random.default_rng(11)
_X = _rng.normal(size=(2, 3, 5))  # (batch, time, in)
_W = _rng.normal(size=(4, 5))  # (out, in)
_b = _rng.normal(size=4)  # (out,)
_A = _rng.normal(size=(2, 5))  # (r, in)
_B = _rng.normal(size=(4, 2))  # (out, r): a trained, non-zero B
_ALPHA, _R = 6.0, 2  # scaling alpha / r = 3, unlike alpha, r, 1 / r or r / alpha


def lora_forward(x, W, b, A, B, alpha, r):
    """The reference: ``y = x W^T + b + (alpha / r) x A^T B^T`` (same as ``x W'^T +
    b``)."""
    # (..., in) -> (..., r) -> (..., out)
    return x @ W.T + b + (alpha / r) * (x @ A.T @ B.T)


def _lora_forward_cases() -> list[Case]:
    rng = checking.fresh_rng()
    n_in, n_out, r = (
        int(rng.integers(3, 8)),
        int(rng.integers(2, 7)),
        int(rng.integers(1, 4)),
    )
    alpha = float(rng.choice([1.0, 4.0, 8.0, 16.0]))
    random = (
        rng.normal(size=(3, n_in)),
        rng.normal(size=(n_out, n_in)),
        rng.normal(size=n_out),
        rng.normal(size=(r, n_in)),
        rng.normal(size=(n_out, r)),
        alpha,
        r,
    )
    return [
        Case((_X, _W, _b, _A, _B, _ALPHA, _R), "for alpha=6, r=2"),
        Case((_X, _W, _b, _A, _B, 4.0, 8), "for alpha=4, r=8"),
        Case(
            (_X, _W, _b, _A, np.zeros_like(_B), _ALPHA, _R),
            "with B = 0 (the output must equal the base layer's x @ W.T + b)",
        ),
        Case(
            random,
            f"on random matrices (in={n_in}, out={n_out}, r={r}, alpha={alpha:g})",
        ),
    ]


def _parts(x, W, b, A, B):
    return x @ W.T + b, x @ A.T @ B.T  # the base output and the unscaled update


_LORA_FORWARD_MISTAKES = {
    "the scaling is missing: the "
    "update is multiplied by alpha / r": lambda x, W, b, A, B, alpha, r: sum(
        _parts(x, W, b, A, B)
    ),
    "the scaling is upside down: it "
    "is alpha / r, not r / alpha": lambda x, W, b, A, B, alpha, r: (
        _parts(x, W, b, A, B)[0] + (r / alpha) * _parts(x, W, b, A, B)[1]
    ),
    "you scaled by alpha alone; "
    "the scaling is alpha / r": lambda x, W, b, A, B, alpha, r: (
        _parts(x, W, b, A, B)[0] + alpha * _parts(x, W, b, A, B)[1]
    ),
    "you scaled by 1 / r alone; "
    "the scaling is alpha / r": lambda x, W, b, A, B, alpha, r: (
        _parts(x, W, b, A, B)[0] + _parts(x, W, b, A, B)[1] / r
    ),
    "right for alpha=6, r=2 but wrong for others: compute the scaling alpha / r from "
    "the arguments": lambda x, W, b, A, B, alpha, r: (
        _parts(x, W, b, A, B)[0] + (_ALPHA / _R) * _parts(x, W, b, A, B)[1]
    ),
    "the base layer's output x @ W.T is missing: LoRA adds an update to the frozen "
    "layer, it does not replace it": lambda x, W, b, A, B, alpha, r: (
        b + alpha / r * _parts(x, W, b, A, B)[1]
    ),
    "the base layer's output is missing: y = x @ W.T + b + (alpha / r) * x @ A.T @ "
    "B.T": lambda x, W, b, A, B, alpha, r: alpha / r * _parts(x, W, b, A, B)[1],
    "the bias b is missing": lambda x, W, b, A, B, alpha, r: (
        x @ W.T + alpha / r * _parts(x, W, b, A, B)[1]
    ),
    "you subtracted the update; it is "
    "added: W' = W + (alpha / r) B A": lambda x, W, b, A, B, alpha, r: (
        _parts(x, W, b, A, B)[0] - alpha / r * _parts(x, W, b, A, B)[1]
    ),
    "the scaling is applied to the bias as "
    "well: only the low-rank update is scaled": lambda x, W, b, A, B, alpha, r: (
        x @ W.T + alpha / r * (_parts(x, W, b, A, B)[1] + b)
    ),
    "the scaling is applied to the whole output: only the low-rank update is "
    "multiplied by alpha / r": lambda x, W, b, A, B, alpha, r: (
        alpha / r * sum(_parts(x, W, b, A, B))
    ),
}


@checking.checker
def check_lora_forward(fn, show: bool = True) -> Feedback:
    """Check ``fn(x, W, b, A, B, alpha, r) -> y`` for ``x`` of shape ``(..., in)``, in
    PyTorch's layout."""
    name, hints = (
        "LoRA forward",
        [f"{_LAYOUT}; y = x @ W.T + b + (alpha / r) * x @ A.T @ B.T"],
    )
    cases = _lora_forward_cases()
    _, problem = checking.run(fn, cases[0].args)
    if problem and problem != checking.NONE_PROBLEM and callable(fn):
        keras_layout, _ = checking.run(fn, (_X, _W.T, _b, _A.T, _B.T, _ALPHA, _R))
        if keras_layout is not None and _close(
            keras_layout, lora_forward(_X, _W, _b, _A, _B, _ALPHA, _R)
        ):
            return feedback(name, [
                "your function expects transposed matrices (Keras' layout: kernel "
                "(in, out), A (in, r), B (r, out)); "
                f"this exercise uses {_LAYOUT}, so "
                "multiply by W.T, A.T and B.T"], hints, show=show)  # fmt: skip
    return checking.judge(
        name, fn, cases, lora_forward, same=_close,
        shape=lambda out, right, case: f"returned shape {np.shape(out)}, expected "
                                       f"{right.shape}: "
                                       "one output vector (out,) per input vector "
                                       "(in,)",
        mistakes=_LORA_FORWARD_MISTAKES, differs_hints=hints, show=show,
    )  # fmt: skip


# --------------------------------------------------------------------------
# LoRA initialisation
# --------------------------------------------------------------------------


def _read_pair(out):
    """``((A, B), None)`` from a function's result, or ``(None, problem)``."""
    try:
        A, B = (np.asarray(checking.to_numpy(m), dtype=float) for m in out)
    except Exception as err:  # a result that is not two arrays
        return (
            None,
            "reading (A, B) from your function's result failed: "
            f"{type(err).__name__}: {err}",
        )
    return (A, B), None


def _init_shape_problems(A, B, in_features, out_features, r) -> list[str]:
    problems = []
    for name, got, want, layout in (
        ("A", A, (r, in_features), "(r, in)"),
        ("B", B, (out_features, r), "(out, r)"),
    ):
        if got.shape == want:
            continue
        if got.shape == want[::-1]:
            problems.append(
                f"{name} has shape {got.shape}: in PyTorch's layout "
                f"{name} is {layout} = {want}"
            )
        else:
            problems.append(f"{name} has shape {got.shape}, expected {layout} = {want}")
    return problems


def _init_value_problems(A, B) -> list[str]:
    if not np.all(np.isfinite(A)) or not np.all(np.isfinite(B)):
        return ["A or B holds NaN or infinite values"]
    b_zero, a_zero = not B.any(), not A.any()
    if a_zero and b_zero:
        return ["A and B are both zero: then the gradient of each is zero too (each "
                "is multiplied by the other), "
                "so training never moves them. "
                "Start A random and B at zero"]  # fmt: skip
    if not b_zero and a_zero:
        return [
            "the roles are swapped: B starts at zero and A random (PEFT and the "
            "LoRA paper), not the other way round"
        ]
    if not b_zero:
        return [
            "B must start at zero, so that B A = 0 and the adapted model starts "
            "as exactly the pre-trained model"
        ]
    if np.unique(A).size == 1:
        return [
            "all entries of A are equal: then the r rows of A are the same "
            "direction and the rank is 1; draw A at random"
        ]
    if np.abs(A).max() > 10:
        return [
            f"A's entries are very large (up to {np.abs(A).max():.3g}); use a "
            "small scale such as U(-1/sqrt(in), 1/sqrt(in))"
        ]
    return []


@checking.checker
def check_lora_init(fn, show: bool = True) -> Feedback:
    """Check ``fn(in_features, out_features, r, seed) -> (A, B)``: A (r, in) random, B
    (out, r) zero.

    Any random A of a sensible scale is right, so the checker tests properties: shapes,
    B zero, A random and not large, the same A for the same seed and another for another
    seed, on the chosen sizes and on sizes and seeds drawn at random.
    """
    name = "LoRA initialisation"
    hints = [
        "A = rng.uniform(-1 / sqrt(in), 1 / sqrt(in), (r, in)); B = zeros((out, r))"
    ]
    rng = checking.fresh_rng()
    sizes = [
        (12, 7, 3, 0),
        (
            int(rng.integers(4, 20)),
            int(rng.integers(2, 12)),
            int(rng.integers(2, 5)),
            int(rng.integers(1, 1000)),
        ),
    ]
    for n_in, n_out, r, seed in sizes:
        pair, problem = checking.run(fn, (n_in, n_out, r, seed), _read_pair)
        if problem:
            return feedback(name, [problem], show=show)
        problems = _init_shape_problems(*pair, n_in, n_out, r) or _init_value_problems(
            *pair
        )
        if problems:
            return feedback(name, problems, hints, show=show)
        again, problem = checking.run(fn, (n_in, n_out, r, seed), _read_pair)
        other, problem_other = checking.run(fn, (n_in, n_out, r, seed + 1), _read_pair)
        if problem or problem_other:
            return feedback(
                name, [f"a second call: {problem or problem_other}"], show=show
            )
        if not _close(again[0], pair[0]):
            return feedback(
                name,
                [
                    "two calls with the same seed gave different A: "
                    "draw it from a generator seeded with `seed`"
                ],
                hints,
                show=show,
            )
        if _close(other[0], pair[0]):
            return feedback(
                name,
                [
                    f"seeds {seed} and {seed + 1} gave the same A: use "
                    "the `seed` argument"
                ],
                hints,
                show=show,
            )
    return feedback(name, [], show=show)


# --------------------------------------------------------------------------
# Perplexity
# --------------------------------------------------------------------------

_rng = np.random.default_rng(5)
_LOGITS = _rng.normal(0.0, 2.0, (3, 6, 7))  # (windows, time, vocab)
# (windows, time): the next characters, already aligned
_TARGETS = _rng.integers(0, 7, (3, 6))


def _log_softmax(logits, axis=-1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _target_log_probs(log_probs, targets):
    # (windows, time)
    return np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]


def perplexity(logits, targets) -> float:
    """The reference: ``exp`` of the mean next-character cross-entropy (nats) over every
    position."""
    return float(np.exp(-_target_log_probs(_log_softmax(logits), targets).mean()))


def _perplexity_cases() -> list[Case]:
    rng = checking.fresh_rng()
    vocab = int(rng.integers(8, 15))
    return [
        Case((_LOGITS, _TARGETS), "on the chosen logits"),
        Case(
            (np.zeros((2, 4, 9)), np.zeros((2, 4), dtype=int)),
            "for a model that gives every character the same probability (perplexity "
            "= vocabulary size)",
        ),
        Case(
            (rng.normal(0.0, 2.0, (2, 5, vocab)), rng.integers(0, vocab, (2, 5))),
            f"on random logits over {vocab} characters",
        ),
        Case(
            (_LOGITS + 1000.0, _TARGETS),
            "on the chosen logits shifted by 1000 (the same probabilities)",
        ),
    ]


def _log_p(z, t):
    return _target_log_probs(_log_softmax(z), t)


_PERPLEXITY_MISTAKES = {
    "that is the cross-entropy loss in nats; perplexity is exp(loss)": lambda z, t: (
        -_log_p(z, t).mean()
    ),
    "you computed 2 ** loss with the loss in nats: use exp(loss) (2 ** loss only for "
    "a loss in bits)": lambda z, t: 2.0 ** -_log_p(z, t).mean(),
    "you took exp of the summed loss: average "
    "over the positions first, then exp": lambda z, t: np.exp(-_log_p(z, t).sum()),
    "you averaged per-character values exp(-log p): perplexity is exp of the MEAN "
    "loss (a geometric mean)": lambda z, t: np.exp(-_log_p(z, t)).mean(),
    "you averaged the perplexities of the windows: perplexity is exp of the mean loss "
    "over ALL positions": lambda z, t: np.exp(-_log_p(z, t).mean(axis=1)).mean(),
    "you used 1 / (mean probability), an arithmetic mean; perplexity is exp(mean of "
    "-log p), a geometric mean": lambda z, t: 1.0 / np.exp(_log_p(z, t)).mean(),
    "the sign is flipped: the loss is -log p, "
    "so perplexity = exp(-mean log p) >= 1": lambda z, t: np.exp(_log_p(z, t).mean()),
    "you used the raw logits as log-probabilities: apply a log-softmax over the "
    "vocabulary first": lambda z, t: np.exp(
        -np.take_along_axis(z, t[..., None], axis=-1).mean()
    ),
    "the softmax runs over the wrong axis: normalise over the vocabulary (the last "
    "axis)": lambda z, t: np.exp(-_target_log_probs(_log_softmax(z, axis=1), t).mean()),
    "the targets are already the next characters, aligned with the logits: do not "
    "shift them again": lambda z, t: np.exp(
        -_target_log_probs(_log_softmax(z[:, :-1]), t[:, 1:]).mean()
    ),
}


def _perplexity_diagnose(outs, rights, cases):
    wrong = [c for o, r, c in zip(outs, rights, cases) if not _close(o, r)]
    if len(wrong) == 1 and wrong[0] is cases[-1]:
        return (["logits shifted by 1000 (the same probabilities) broke your "
                 "function: exp(1000) overflows"],
                ["subtract the largest logit before exp (log-sum-exp), or use a "
                 "log-softmax"])  # fmt: skip
    return []


@checking.checker
def check_perplexity(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, targets) -> float``: logits ``(N, T, V)``, integer targets
    ``(N, T)``."""
    return checking.judge(
        "Perplexity", fn, _perplexity_cases(), perplexity, same=_close,
        convert=functools.partial(checking.numbers, finite=False),
        shape=lambda out, right, case: f"returned shape {np.shape(out)}, expected one "
                                       "number: "
                                       "average the loss over every position, then exp",
        mistakes=_PERPLEXITY_MISTAKES, diagnose=_perplexity_diagnose, quiet=True,
        differs_hints=["log_probs = log_softmax(logits); "
                       "exp(-mean(log_probs[target])) over every position"], show=show,
    )  # fmt: skip


# --------------------------------------------------------------------------
# Counting LoRA's trainable parameters
# --------------------------------------------------------------------------

# (out, in) of one TinyGPT block's linear layers
_SHAPES = [(192, 64), (64, 64), (256, 64), (64, 256)]
_SHAPES_2 = [(30, 10), (7, 3)]
_RANK = 8


def lora_trainable_count(layer_shapes, r: int) -> int:
    """The reference: ``A`` (r, in) and ``B`` (out, r) per adapted layer: ``r * (in +
    out)`` each."""
    return int(sum(r * (n_in + n_out) for n_out, n_in in layer_shapes))


def _count_cases() -> list[Case]:
    rng = checking.fresh_rng()
    shapes = [
        (int(o), int(i)) for o, i in rng.integers(4, 200, (int(rng.integers(2, 6)), 2))
    ]
    r = int(rng.integers(1, 17))
    return [
        Case((list(_SHAPES), _RANK), "for one TinyGPT block, r=8"),
        Case((list(_SHAPES_2), 2), f"for layers {_SHAPES_2}, r=2"),
        Case((shapes, r), f"for random layers {shapes}, r={r}"),
    ]


_COUNT_MISTAKES = {
    "you counted the frozen base weights as well: only A and B train": lambda s, r: (
        sum(o * i for o, i in s) + lora_trainable_count(s, r)
    ),
    "that is the size of the frozen weights W; LoRA trains A (r, in) and B (out, r): "
    "r * (in + out) per layer": lambda s, r: sum(o * i for o, i in s),
    "you counted r * in * out, the entries of the product B A; LoRA trains the two "
    "factors: r * (in + out)": lambda s, r: r * sum(o * i for o, i in s),
    "you counted A only; B (out, r) trains too": lambda s, r: sum(r * i for _, i in s),
    "you counted B only; A (r, in) trains too": lambda s, r: sum(r * o for o, _ in s),
    "you counted the biases as well: they "
    "belong to the frozen base layer": lambda s, r: (
        lora_trainable_count(s, r) + sum(o for o, _ in s)
    ),
    "you counted the first layer only: add every adapted layer": lambda s, r: (
        r * sum(s[0])
    ),
    "the rank is missing: each layer trains r * (in + out) numbers": lambda s, r: (
        lora_trainable_count(s, r) / r
    ),
    "you used r^2 somewhere: A is (r, in) and B is (out, r), so r * (in + out) per "
    "layer": lambda s, r: r**2 * sum(o + i for o, i in s),
}


@checking.checker
def check_trainable_count(fn, show: bool = True) -> Feedback:
    """Check ``fn(layer_shapes, r) -> int``: the number of parameters LoRA trains in the
    listed layers.

    ``layer_shapes`` lists the ``(out, in)`` weight shapes of the adapted linear layers.
    """
    return checking.judge(
        "LoRA trainable parameters",
        fn,
        _count_cases(),
        lora_trainable_count,
        same=_close,
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)}, expected one "
            "number (the total over all layers)"
        ),
        mistakes=_COUNT_MISTAKES,
        differs_hints=["sum of r * (in + out) over the adapted layers"],
        show=show,
    )
