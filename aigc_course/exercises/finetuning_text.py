"""Checkers for the exercises of chapter 5, "Pre-training and fine-tuning" (TinyGPT and LoRA).

Each checker calls the reader's NumPy function on a few chosen inputs, compares
it with the reference written here, and recognises the usual mistakes so that
it can say what is wrong::

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


# The reader's function is run and its answer compared by the shared helpers; these are this
# module's settings of them.
_call = checking.call
_close = functools.partial(checking.close, rtol=1e-6, atol=1e-8)
_first_match = functools.partial(checking.first_match, same=_close)


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
    """The reference: ``y = x W^T + b + (alpha / r) x A^T B^T`` (same as ``x W'^T + b``)."""
    return x @ W.T + b + (alpha / r) * (x @ A.T @ B.T)  # (..., in) -> (..., r) -> (..., out)


def check_lora_forward(fn, show: bool = True) -> Feedback:
    """Check ``fn(x, W, b, A, B, alpha, r) -> y`` for ``x`` of shape ``(..., in)``, in PyTorch's layout."""
    name = "LoRA forward"
    right = lora_forward(_X, _W, _b, _A, _B, _ALPHA, _R)
    out, problem = _call(fn, _X, _W, _b, _A, _B, _ALPHA, _R)
    if problem:
        keras_layout, _ = _call(fn, _X, _W.T, _b, _A.T, _B.T, _ALPHA, _R)
        if keras_layout is not None and _close(keras_layout, right):
            problem = (
                "your function expects transposed matrices (Keras' layout: kernel (in, out), A (in, r), B (r, out)); "
                f"this exercise uses {_LAYOUT}, so multiply by W.T, A.T and B.T"
            )
        return feedback(name, [problem], [f"{_LAYOUT}; y = x @ W.T + b + (alpha / r) * x @ A.T @ B.T"], show=show)
    if out.shape != right.shape:
        return feedback(
            name,
            [f"returned shape {out.shape}, expected {right.shape}: one output vector (out,) per input vector (in,)"],
            [f"{_LAYOUT}; the leading (batch, time) axes of x must pass through unchanged"],
            show=show,
        )
    if _close(out, right):
        problems = []
        other, problem = _call(fn, _X, _W, _b, _A, _B, 4.0, 8)  # another alpha and r: is the scale hard-coded?
        if problem or not _close(other, lora_forward(_X, _W, _b, _A, _B, 4.0, 8)):
            problems.append("right for alpha=6, r=2 but wrong for alpha=4, r=8: compute the scaling alpha / r from the arguments")
        zero_b, problem = _call(fn, _X, _W, _b, _A, np.zeros_like(_B), _ALPHA, _R)
        if problem or not _close(zero_b, _X @ _W.T + _b):
            problems.append("with B = 0 the output must equal the base layer's x @ W.T + b: the update must vanish when B is zero")
        return feedback(name, problems, show=show)
    base, update = _X @ _W.T + _b, _X @ _A.T @ _B.T  # the two parts, update unscaled
    s = _ALPHA / _R
    candidates = {
        "the scaling is missing: the update is multiplied by alpha / r": base + update,
        "the scaling is upside down: it is alpha / r, not r / alpha": base + (_R / _ALPHA) * update,
        "you scaled by alpha alone; the scaling is alpha / r": base + _ALPHA * update,
        "you scaled by 1 / r alone; the scaling is alpha / r": base + update / _R,
        "the base layer's output x @ W.T is missing: LoRA adds an update to the frozen layer, it does not replace it": _b + s * update,
        "the base layer's output is missing: y = x @ W.T + b + (alpha / r) * x @ A.T @ B.T": s * update,
        "the bias b is missing": _X @ _W.T + s * update,
        "you subtracted the update; it is added: W' = W + (alpha / r) B A": base - s * update,
        "the scaling is applied to the bias as well: only the low-rank update is scaled": _X @ _W.T + s * (update + _b),
        "the scaling is applied to the whole output: only the low-rank update is multiplied by alpha / r": s * (base + update),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [
        f"values differ from the expected ones (first output {np.round(out[0, 0], 4).tolist()}, "
        f"expected {np.round(right[0, 0], 4).tolist()})"
    ]  # fmt: skip
    hints = [] if message else [f"{_LAYOUT}; y = x @ W.T + b + (alpha / r) * x @ A.T @ B.T"]
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# LoRA initialisation
# --------------------------------------------------------------------------


def check_lora_init(fn, show: bool = True) -> Feedback:
    """Check ``fn(in_features, out_features, r, seed) -> (A, B)``: A (r, in) random, B (out, r) zero."""
    name = "LoRA initialisation"
    in_features, out_features, r = 12, 7, 3
    if not callable(fn):
        return feedback(name, [f"expected a function, got {type(fn).__name__}"], show=show)
    try:
        result = fn(in_features, out_features, r, 0)
        A, B = (np.asarray(checking.to_numpy(m), dtype=float) for m in result)
    except Exception as err:  # the reader's code, or a result that is not two arrays
        return feedback(name, [f"calling your function and reading (A, B) from its result failed: {type(err).__name__}: {err}"], show=show)
    problems = []
    if A.shape != (r, in_features):
        if A.shape == (in_features, r):
            problems.append(f"A has shape {A.shape}: in PyTorch's layout A is (r, in) = {(r, in_features)}")
        else:
            problems.append(f"A has shape {A.shape}, expected (r, in) = {(r, in_features)}")
    if B.shape != (out_features, r):
        if B.shape == (r, out_features):
            problems.append(f"B has shape {B.shape}: in PyTorch's layout B is (out, r) = {(out_features, r)}")
        else:
            problems.append(f"B has shape {B.shape}, expected (out, r) = {(out_features, r)}")
    if problems:
        return feedback(name, problems, show=show)
    if not np.all(np.isfinite(A)) or not np.all(np.isfinite(B)):
        return feedback(name, ["A or B holds NaN or infinite values"], show=show)
    b_zero, a_zero = not B.any(), not A.any()
    if a_zero and b_zero:
        problems.append(
            "A and B are both zero: then the gradient of each is zero too (each is multiplied by the other), "
            "so training never moves them. Start A random and B at zero"
        )
    elif not b_zero and a_zero:
        problems.append("the roles are swapped: B starts at zero and A random (PEFT and the LoRA paper), not the other way round")
    elif not b_zero:
        problems.append("B must start at zero, so that B A = 0 and the adapted model starts as exactly the pre-trained model")
    elif np.unique(A).size == 1:
        problems.append("all entries of A are equal: then the r rows of A are the same direction and the rank is 1; draw A at random")
    elif np.abs(A).max() > 10:
        problems.append(f"A's entries are very large (up to {np.abs(A).max():.3g}); use a small scale such as U(-1/sqrt(in), 1/sqrt(in))")
    if not problems:
        try:
            again = np.asarray(checking.to_numpy(fn(in_features, out_features, r, 0)[0]), dtype=float)
            other = np.asarray(checking.to_numpy(fn(in_features, out_features, r, 1)[0]), dtype=float)
        except Exception as err:
            return feedback(name, [f"a second call raised {type(err).__name__}: {err}"], show=show)
        if not _close(again, A):
            problems.append("two calls with the same seed gave different A: draw it from a generator seeded with `seed`")
        elif _close(other, A):
            problems.append("seeds 0 and 1 gave the same A: use the `seed` argument")
    hints = ["A = rng.uniform(-1 / sqrt(in), 1 / sqrt(in), (r, in)); B = zeros((out, r))"] if problems else []
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# Perplexity
# --------------------------------------------------------------------------

_rng = np.random.default_rng(5)
_LOGITS = _rng.normal(0.0, 2.0, (3, 6, 7))  # (windows, time, vocab)
_TARGETS = _rng.integers(0, 7, (3, 6))  # (windows, time): the next characters, already aligned


def _log_softmax(logits, axis=-1):
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _target_log_probs(log_probs, targets):
    return np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]  # (windows, time)


def perplexity(logits, targets) -> float:
    """The reference: ``exp`` of the mean next-character cross-entropy (nats) over every position."""
    return float(np.exp(-_target_log_probs(_log_softmax(logits), targets).mean()))


def check_perplexity(fn, show: bool = True) -> Feedback:
    """Check ``fn(logits, targets) -> float``: logits ``(N, T, V)``, integer targets ``(N, T)``."""
    name = "Perplexity"
    out, problem = _call(fn, _LOGITS, _TARGETS)
    if problem:
        return feedback(name, [problem], show=show)
    right = perplexity(_LOGITS, _TARGETS)
    if out.shape != ():
        return feedback(
            name,
            [f"returned shape {out.shape}, expected one number: average the loss over every position, then exp"],
            show=show,
        )
    if _close(out, right):
        big, problem = _call(fn, _LOGITS + 1000.0, _TARGETS)  # the same probabilities: softmax ignores a shift
        if problem or not _close(big, right):
            return feedback(
                name,
                ["logits shifted by 1000 (the same probabilities) broke your function: exp(1000) overflows"],
                ["subtract the largest logit before exp (log-sum-exp), or use a log-softmax"],
                show=show,
            )
        uniform, problem = _call(fn, np.zeros((2, 4, 9)), np.zeros((2, 4), dtype=int))
        if problem or not _close(uniform, 9.0):
            return feedback(name, ["a model that gives every character the same probability must have perplexity = vocabulary size"], show=show)
        return feedback(name, [], show=show)
    log_p = _target_log_probs(_log_softmax(_LOGITS), _TARGETS)  # (N, T)
    nll = -log_p.mean()
    p = np.exp(log_p)
    raw = np.take_along_axis(_LOGITS, _TARGETS[..., None], axis=-1)[..., 0]
    wrong_axis = _target_log_probs(_log_softmax(_LOGITS, axis=1), _TARGETS)
    candidates = {
        "that is the cross-entropy loss in nats; perplexity is exp(loss)": nll,
        "you computed 2 ** loss with the loss in nats: use exp(loss) (2 ** loss only for a loss in bits)": 2.0**nll,
        "you took exp of the summed loss: average over the positions first, then exp": np.exp(-log_p.sum()),
        "you averaged per-character values exp(-log p): perplexity is exp of the MEAN loss (a geometric mean)": np.exp(-log_p).mean(),
        "you averaged the perplexities of the windows: perplexity is exp of the mean loss over ALL positions": np.exp(-log_p.mean(axis=1)).mean(),
        "you used 1 / (mean probability), an arithmetic mean; perplexity is exp(mean of -log p), a geometric mean": 1.0 / p.mean(),
        "the sign is flipped: the loss is -log p, so perplexity = exp(-mean log p) >= 1": np.exp(-nll),
        "you used the raw logits as log-probabilities: apply a log-softmax over the vocabulary first": np.exp(-raw.mean()),
        "the softmax runs over the wrong axis: normalise over the vocabulary (the last axis)": np.exp(-wrong_axis.mean()),
        "the targets are already the next characters, aligned with the logits: do not shift them again": np.exp(
            -_target_log_probs(_log_softmax(_LOGITS[:, :-1]), _TARGETS[:, 1:]).mean()
        ),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [f"your perplexity is {float(out):.4f}, expected {right:.4f}"]
    hints = [] if message else ["log_probs = log_softmax(logits); exp(-mean(log_probs[target])) over every position"]
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# Counting LoRA's trainable parameters
# --------------------------------------------------------------------------

_SHAPES = [(192, 64), (64, 64), (256, 64), (64, 256)]  # (out, in) of one TinyGPT block's linear layers
_SHAPES_2 = [(30, 10), (7, 3)]
_RANK = 8


def lora_trainable_count(layer_shapes, r: int) -> int:
    """The reference: ``A`` (r, in) and ``B`` (out, r) per adapted layer: ``r * (in + out)`` each."""
    return int(sum(r * (n_in + n_out) for n_out, n_in in layer_shapes))


def check_trainable_count(fn, show: bool = True) -> Feedback:
    """Check ``fn(layer_shapes, r) -> int``: the number of parameters LoRA trains in the listed layers.

    ``layer_shapes`` lists the ``(out, in)`` weight shapes of the adapted linear layers.
    """
    name = "LoRA trainable parameters"
    out, problem = _call(fn, list(_SHAPES), _RANK)
    if problem:
        return feedback(name, [problem], show=show)
    right = lora_trainable_count(_SHAPES, _RANK)
    if out.shape != ():
        return feedback(name, [f"returned shape {out.shape}, expected one number (the total over all layers)"], show=show)
    if _close(out, right):
        other, problem = _call(fn, list(_SHAPES_2), 2)
        if problem or not _close(other, lora_trainable_count(_SHAPES_2, 2)):
            return feedback(name, ["right for the first case but wrong for other shapes or another r: use the arguments"], show=show)
        return feedback(name, [], show=show)
    full = sum(o * i for o, i in _SHAPES)
    candidates = {
        "you counted the frozen base weights as well: only A and B train": full + right,
        "that is the size of the frozen weights W; LoRA trains A (r, in) and B (out, r): r * (in + out) per layer": full,
        "you counted r * in * out, the entries of the product B A; LoRA trains the two factors: r * (in + out)": _RANK * full,
        "you counted A only; B (out, r) trains too": sum(_RANK * i for _, i in _SHAPES),
        "you counted B only; A (r, in) trains too": sum(_RANK * o for o, _ in _SHAPES),
        "you counted the biases as well: they belong to the frozen base layer": right + sum(o for o, _ in _SHAPES),
        "you counted the first layer only: add every adapted layer": _RANK * sum(_SHAPES[0]),
        "the rank is missing: each layer trains r * (in + out) numbers": right / _RANK,
        "you used r^2 somewhere: A is (r, in) and B is (out, r), so r * (in + out) per layer": _RANK**2 * sum(o + i for o, i in _SHAPES),
    }
    message = _first_match(out, candidates)
    problems = [message] if message else [f"your count is {float(out):g}, expected {right}"]
    hints = [] if message else ["sum of r * (in + out) over the adapted layers"]
    return feedback(name, problems, hints, show=show)
