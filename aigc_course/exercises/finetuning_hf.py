"""Reference functions and exercise checkers for chapter 5: the Hugging Face fine-tuning
workflow.

Plain NumPy and arithmetic; ``transformers`` and ``peft`` are imported only
inside :func:`peft_lora_param_count`, which asks the libraries themselves, so
this module imports quickly and works without them:

* :func:`lora_param_count`: how many parameters LoRA adds to a GPT-2-style model
  for a rank ``r`` and PEFT's ``target_modules``;
* :func:`training_memory_bytes`: weights, gradients and AdamW moments, in bytes;
* :func:`causal_lm_labels`: the ``labels`` a causal language model is given;
* :func:`merge_conv1d`: a LoRA update folded into a GPT-2 ``Conv1D`` weight.

Each ``check_...`` function calls the reader's version on chosen inputs and on inputs
drawn at random, and says what is wrong, not only whether it is::

    from aigc_course.exercises import finetuning_hf as ex
    ex.check_lora_param_count(my_count)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback, feedback

__all__ = [
    "GPT2_LINEAR_LAYERS",
    "causal_lm_labels",
    "check_causal_lm_labels",
    "check_lora_param_count",
    "check_memory_estimate",
    "check_merge_conv1d",
    "lora_param_count",
    "merge_conv1d",
    "peft_lora_param_count",
    "training_memory_bytes",
]

# : The weight matrices of one GPT-2 block: path inside the block -> (fan-in, fan-out)
# in units of n_embd.
GPT2_LINEAR_LAYERS = {
    "attn.c_attn": (1, 3),  # queries, keys and values at once
    "attn.c_proj": (1, 1),  # attention output projection
    "mlp.c_fc": (1, 4),  # MLP up-projection
    "mlp.c_proj": (4, 1),  # MLP down-projection
}

IGNORE_INDEX = -100  # the label PyTorch's cross_entropy (and transformers) skips


# --------------------------------------------------------------------------
# Reference functions
# --------------------------------------------------------------------------


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _matched_layers(target_modules) -> list[str]:
    """The block layers PEFT adapts: a target matches a layer whose path equals it or
    ends with ``"." + target``."""
    if isinstance(target_modules, str):
        target_modules = [target_modules]
    targets = list(target_modules)
    if not targets or not all(isinstance(t, str) for t in targets):
        raise ValueError(
            "target_modules must be a non-empty list of layer names, "
            f"got {target_modules!r}"
        )
    matched = [
        path
        for path in GPT2_LINEAR_LAYERS
        if any(path == t or path.endswith("." + t) for t in targets)
    ]
    if not matched:
        raise ValueError(
            f"target_modules {targets} match no layer of a GPT-2 block; its layers "
            f"are {list(GPT2_LINEAR_LAYERS)}"
        )
    return matched


def lora_param_count(n_layer: int, n_embd: int, r: int, target_modules) -> int:
    """Parameters LoRA adds to a GPT-2-style model: ``r * (fan_in + fan_out)`` per
    adapted matrix.

    An adapted ``(fan_in -> fan_out)`` matrix gets ``A`` (r, fan_in) and ``B``
    (fan_out, r), and no bias; PEFT's name matching is by suffix, so
    ``"c_proj"`` adapts both the attention and the MLP projection.
    """
    n_layer, n_embd, r = (
        _positive_int(k, v)
        for k, v in (("n_layer", n_layer), ("n_embd", n_embd), ("r", r))
    )
    per_block = sum(
        r * (fan_in + fan_out) * n_embd
        for fan_in, fan_out in map(
            GPT2_LINEAR_LAYERS.get, _matched_layers(target_modules)
        )
    )
    return n_layer * per_block


def peft_lora_param_count(
    n_layer: int,
    n_embd: int,
    r: int,
    target_modules,
    n_head: int = 1,
    vocab_size: int = 64,
) -> int:
    """The same count, asked of ``transformers`` and ``peft`` (imported here; nothing is
    downloaded).

    Builds a ``GPT2LMHeadModel`` on PyTorch's ``meta`` device (shapes only, no
    memory), wraps it with ``get_peft_model`` and counts the trainable parameters.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=8,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        # GPT-2's own 50256 lies outside a small vocabulary
        bos_token_id=0,
        eos_token_id=0,
    )
    with torch.device("meta"):
        model = GPT2LMHeadModel(config)
    lora = LoraConfig(
        r=r,
        lora_alpha=2 * r,
        target_modules=list(target_modules),
        fan_in_fan_out=True,
        task_type="CAUSAL_LM",
    )
    trainable, _ = get_peft_model(model, lora).get_nb_trainable_parameters()
    return int(trainable)


def training_memory_bytes(
    n_params: int, n_trainable: int, bytes_per_weight: int = 4
) -> int:
    """Bytes for weights, gradients and AdamW moments (activations not included).

    Every parameter is stored at ``bytes_per_weight`` (4 for float32, 2 for
    bfloat16); each *trainable* one also has a gradient of the same size and
    two AdamW moments kept in float32 (8 bytes).  Full float32 fine-tuning
    therefore costs 4 + 4 + 8 = 16 bytes per parameter.
    """
    n_params, n_trainable = (
        _positive_int("n_params", n_params),
        _positive_int("n_trainable", n_trainable),
    )
    if n_trainable > n_params:
        raise ValueError(
            f"n_trainable ({n_trainable}) cannot exceed n_params ({n_params})"
        )
    return n_params * bytes_per_weight + n_trainable * (bytes_per_weight + 8)


def causal_lm_labels(input_ids, attention_mask) -> np.ndarray:
    """``labels`` for a causal LM: a copy of ``input_ids`` with padding set to -100.

    Not shifted: the model shifts inside (position t's logits are scored
    against label t + 1), as ``DataCollatorForLanguageModeling(mlm=False)`` expects.
    """
    ids, mask = np.asarray(input_ids), np.asarray(attention_mask)
    if ids.shape != mask.shape:
        raise ValueError(
            "attention_mask must have the shape of input_ids "
            f"{ids.shape}, got {mask.shape}"
        )
    return np.where(mask.astype(bool), ids, IGNORE_INDEX).astype(np.int64)


def merge_conv1d(weight, lora_A, lora_B, alpha: float, r: int) -> np.ndarray:
    """A GPT-2 ``Conv1D`` weight (fan_in, fan_out) with the LoRA update folded in.

    PEFT's ``A`` is (r, fan_in) and ``B`` (fan_out, r), so ``B @ A`` has the
    layout of ``nn.Linear`` (fan_out, fan_in); ``Conv1D`` stores the transpose
    (which is why GPT-2 needs ``fan_in_fan_out=True``):
    ``W' = W + (alpha / r) * (B @ A).T``.
    """
    weight, lora_A, lora_B = (
        np.asarray(a, dtype=np.float64) for a in (weight, lora_A, lora_B)
    )
    if (
        lora_A.shape[0] != r
        or lora_B.shape[1] != r
        or (lora_B @ lora_A).T.shape != weight.shape
    ):
        raise ValueError(
            f"shapes do not fit: weight {weight.shape}, lora_A "
            f"{lora_A.shape}, lora_B {lora_B.shape}, r={r}"
        )
    return weight + (alpha / r) * (lora_B @ lora_A).T


# --------------------------------------------------------------------------
# Shared helpers of the checkers
# --------------------------------------------------------------------------

_close = functools.partial(checking.close, rtol=1e-9, atol=1e-9)


def _one_number(out, right, case) -> str:
    return f"returned shape {np.shape(out)}; the answer is one number"


# --------------------------------------------------------------------------
# LoRA parameter count
# --------------------------------------------------------------------------

# (n_layer, n_embd, r, target_modules): GPT-2 small with LoRA on c_attn, this page's
# model, GPT-2 medium
_LORA_CASES = (
    (12, 768, 8, ["c_attn"]),
    (2, 64, 8, ["c_attn", "c_proj", "c_fc"]),
    (24, 1024, 16, ["c_attn", "c_proj"]),
    (6, 256, 4, ["attn.c_proj"]),
)


def _lora_count_cases() -> list[Case]:
    rng = checking.fresh_rng()
    names = ["c_attn", "c_proj", "c_fc", "attn.c_proj", "mlp.c_proj"]
    targets = [
        str(t) for t in rng.choice(names, int(rng.integers(1, 4)), replace=False)
    ]
    random = (
        int(rng.integers(1, 25)),
        64 * int(rng.integers(1, 17)),
        int(rng.choice([2, 4, 8, 16, 32])),
        targets,
    )
    cases = [
        Case(c, f"for n_layer={c[0]}, n_embd={c[1]}, r={c[2]}, target_modules={c[3]}")
        for c in _LORA_CASES
    ]
    return cases + [Case(random, f"for the random model n_layer={random[0]}, "
                                 f"n_embd={random[1]}, r={random[2]}, "
                                 f"target_modules={random[3]}")]  # fmt: skip


def _count_with(case, sizes=None, per_matrix=None, layers=None):
    """A count for ``case`` under a (possibly mistaken) reading of the rules."""
    n_layer, n_embd, r, targets = case
    sizes = sizes or GPT2_LINEAR_LAYERS
    per_matrix = per_matrix or (lambda fan_in, fan_out: r * (fan_in + fan_out))
    matched = _matched_layers(targets) if layers is None else layers(targets)
    total = 0
    for path in matched:
        fan_in, fan_out = sizes[path]
        total += per_matrix(fan_in * n_embd, fan_out * n_embd)
    return n_layer * total


def _first_suffix_only(targets):
    """Each target adapts one layer (the first it matches), as if names were unique."""
    chosen = []
    for t in [targets] if isinstance(targets, str) else targets:
        hits = [p for p in GPT2_LINEAR_LAYERS if p == t or p.endswith("." + t)]
        if hits and hits[0] not in chosen:
            chosen.append(hits[0])
    return chosen


def _counted(**rules):
    return lambda *case: _count_with(
        case, **{k: (v(case) if k == "per_matrix" else v) for k, v in rules.items()}
    )


_SQUARE = {path: (1, 1) for path in GPT2_LINEAR_LAYERS}
_LORA_COUNT_MISTAKES = {
    "you counted one block only: every one of the n_layer blocks gets its own "
    "adapters": lambda *c: _count_with(c) / c[0],
    "you counted A only (r x fan_in); B (fan_out x r) is trained too: r * (fan_in + "
    "fan_out)": _counted(per_matrix=lambda c: lambda i, o: c[2] * i),
    "you counted B only (fan_out x r); A (r x fan_in) is trained too: r * (fan_in + "
    "fan_out)": _counted(per_matrix=lambda c: lambda i, o: c[2] * o),
    "you counted the full matrix fan_in x fan_out: that is what full fine-tuning "
    "trains, LoRA trains "
    "r * (fan_in + fan_out)": _counted(per_matrix=lambda c: lambda i, o: i * o),
    "you multiplied r * fan_in * fan_out; A and B hold r * fan_in + r * fan_out "
    "numbers": _counted(per_matrix=lambda c: lambda i, o: c[2] * i * o),
    "you gave every adapted matrix the shape n_embd x n_embd: c_attn maps n_embd to 3 "
    "* n_embd (q, k, v), "
    "c_fc n_embd to 4 * n_embd, the MLP's "
    "c_proj 4 * n_embd back to n_embd": _counted(sizes=_SQUARE),
    "PEFT matches target_modules by suffix: 'c_proj' adapts both attn.c_proj and "
    "mlp.c_proj": _counted(layers=_first_suffix_only),
    "you added a bias per adapted matrix; LoRA's A and B have none (bias='none' by "
    "default)": _counted(per_matrix=lambda c: lambda i, o: c[2] * (i + o) + o),
    "you counted A and B twice: r * (fan_in + fan_out) per matrix, once": lambda *c: (
        2 * _count_with(c)
    ),
}


@checking.checker
def check_lora_param_count(fn, show: bool = True) -> Feedback:
    """Check ``fn(n_layer, n_embd, r, target_modules) -> int`` for GPT-2-style
    models."""
    return checking.judge(
        "LoRA parameter count",
        fn,
        _lora_count_cases(),
        lora_param_count,
        same=_close,
        shape=_one_number,
        mistakes=_LORA_COUNT_MISTAKES,
        differs_hints=[
            "per block: sum over the adapted matrices of r * (fan_in + "
            "fan_out); then times n_layer",
            "the matrices of one block (fan_in, fan_out in units of "
            f"n_embd): {GPT2_LINEAR_LAYERS}",
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# Memory estimate
# --------------------------------------------------------------------------

_GPT2 = 124_439_808  # GPT-2 small
_GPT2_LORA = lora_param_count(12, 768, 8, ["c_attn", "c_proj", "c_fc"])  # 1,179,648
_MEMORY_CASES = (
    (_GPT2, _GPT2, 4),  # full fine-tuning in float32
    # bfloat16 weights, LoRA r=8 on every matrix of the blocks
    (_GPT2 + _GPT2_LORA, _GPT2_LORA, 2),
    (1_000_000, 250_000, 2),
)


def _memory_cases() -> list[Case]:
    rng = checking.fresh_rng()
    n = int(rng.integers(10**5, 10**9))
    random = (n, int(n * rng.uniform(0.001, 0.5)), int(rng.choice([1, 2, 4])))
    cases = [
        Case(c, f"for n_params={c[0]:,}, n_trainable={c[1]:,}, bytes_per_weight={c[2]}")
        for c in _MEMORY_CASES
    ]
    return cases + [Case(random, f"for the random n_params={random[0]:,}, "
                                 f"n_trainable={random[1]:,}, "
                                 f"bytes_per_weight={random[2]}")]  # fmt: skip


_MEMORY_MISTAKES = {
    "you returned gigabytes (10^9 bytes); return bytes": lambda n, t, b: (
        training_memory_bytes(n, t, b) / 1e9
    ),
    "you returned GiB (2^30 bytes); return bytes": lambda n, t, b: (
        training_memory_bytes(n, t, b) / 2**30
    ),
    "you returned megabytes; return bytes": lambda n, t, b: (
        training_memory_bytes(n, t, b) / 1e6
    ),
    "you returned bits; return bytes": lambda n, t, b: (
        8 * training_memory_bytes(n, t, b)
    ),
    "you left out the gradients: each trainable parameter has one, of "
    "bytes_per_weight": lambda n, t, b: n * b + t * 8,
    "you left out the AdamW moments: two float32 numbers (8 bytes) per trainable "
    "parameter": lambda n, t, b: n * b + t * b,
    "AdamW keeps two moments per trainable parameter (m and v), 8 bytes in float32; "
    "you counted one": lambda n, t, b: n * b + t * (b + 4),
    "the AdamW moments are kept in float32 (4 "
    "bytes each) whatever the weights' type": lambda n, t, b: n * b + t * 3 * b,
    "you gave every parameter gradients and AdamW moments; frozen parameters have "
    "neither (that is LoRA's saving)": lambda n, t, b: n * (2 * b + 8),
    "you left out the frozen weights: the whole model must be in memory, not only the "
    "trainable part": lambda n, t, b: t * (2 * b + 8),
    "you counted every weight at 4 bytes; bytes_per_weight says how they are stored "
    "(2 for bfloat16)": lambda n, t, b: n * 4 + t * (4 + 8),
}


@checking.checker
def check_memory_estimate(fn, show: bool = True) -> Feedback:
    """Check ``fn(n_params, n_trainable, bytes_per_weight) -> bytes`` against
    :func:`training_memory_bytes`."""
    return checking.judge(
        "Memory estimate",
        fn,
        _memory_cases(),
        training_memory_bytes,
        same=_close,
        shape=_one_number,
        mistakes=_MEMORY_MISTAKES,
        differs_hints=[
            "weights: n_params * bytes_per_weight; per trainable "
            "parameter: a gradient (bytes_per_weight) "
            "+ two float32 moments (8)"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# Labels of a causal language model
# --------------------------------------------------------------------------

_IDS = np.array([[5, 17, 3, 9, 12, 50, 50], [8, 8, 21, 4, 7, 30, 2]])
# the first row is padded with id 50
_MASK = np.array([[1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1]])


def _labels_cases() -> list[Case]:
    rng = checking.fresh_rng()
    batch, length = int(rng.integers(2, 5)), int(rng.integers(5, 10))
    lengths = rng.integers(2, length + 1, batch)
    lengths[0] = length - 1  # at least one padded position
    mask = (np.arange(length)[None, :] < lengths[:, None]).astype(int)
    ids = np.where(mask == 1, rng.integers(1, 60, (batch, length)), 50)
    return [
        Case((_IDS, _MASK), "on the chosen batch"),
        Case((ids, mask), "on a random padded batch"),
        Case((_IDS[1:], _MASK[1:]), "on a batch without padding"),
    ]


def _shifted(ids, m):
    right = causal_lm_labels(ids, m)
    return np.concatenate(
        [right[:, 1:], np.full((len(right), 1), IGNORE_INDEX)], axis=1
    )


_LABELS_MISTAKES = {
    "you shifted the labels; the model shifts them itself (logits at t are scored "
    "against label t + 1), "
    "so shifting here makes it predict two tokens ahead": _shifted,
    "the padding is still in the labels: set padded positions to -100 so the loss "
    "skips them": lambda ids, m: ids,
    "you marked padding with 0; the loss skips "
    "the label -100 (0 is a real token id)": lambda ids, m: np.where(m == 1, ids, 0),
    "you masked the real tokens and kept the padding: -100 goes where attention_mask "
    "is 0": lambda ids, m: np.where(m == 0, ids, IGNORE_INDEX),
    "you returned the attention mask": lambda ids, m: m,
}


def _labels_shape(out, right, case) -> str:
    if np.shape(out) == (right.shape[0], right.shape[1] - 1):
        return (
            "you cut the last position (a shift): return labels of the same shape "
            "as input_ids; the model shifts inside"
        )
    return (
        f"returned shape {np.shape(out)}, expected {right.shape} (one label per "
        "input position)"
    )


@checking.checker
def check_causal_lm_labels(fn, show: bool = True) -> Feedback:
    """Check ``fn(input_ids, attention_mask) -> labels`` (arrays of shape (batch,
    T))."""
    return checking.judge(
        "Causal LM labels",
        fn,
        _labels_cases(),
        causal_lm_labels,
        same=_close,
        shape=_labels_shape,
        mistakes=_LABELS_MISTAKES,
        differs_hints=["labels = input_ids.copy(); labels[attention_mask == 0] = -100"],
        show=show,
    )


# --------------------------------------------------------------------------
# Merging LoRA into a GPT-2 Conv1D weight
# --------------------------------------------------------------------------

_mrng = np.random.default_rng(5)
_W = _mrng.normal(0, 0.02, (6, 10))  # Conv1D weight: (fan_in=6, fan_out=10)
_A = _mrng.normal(0, 0.3, (2, 6))  # (r, fan_in)
_B = _mrng.normal(0, 0.3, (10, 2))  # (fan_out, r): trained, so no longer zero
_ALPHA, _R = 8.0, 2


def _merge_cases() -> list[Case]:
    rng = checking.fresh_rng()
    fan_in, fan_out, r = (
        int(rng.integers(3, 9)),
        int(rng.integers(4, 12)),
        int(rng.integers(1, 4)),
    )
    random = (
        rng.normal(0, 0.02, (fan_in, fan_out)),
        rng.normal(0, 0.3, (r, fan_in)),
        rng.normal(0, 0.3, (fan_out, r)),
        float(rng.choice([4.0, 16.0])),
        r,
    )
    return [
        Case((_W, _A, _B, _ALPHA, _R), "for fan_in=6, fan_out=10, r=2"),
        Case((_W, _A, _B, 4.0, _R), "for alpha=4, r=2"),
        Case(
            random, f"for random matrices (fan_in={fan_in}, fan_out={fan_out}, r={r})"
        ),
    ]


def _update(a, b, alpha, r):
    return (alpha / r) * (b @ a).T


_MERGE_MISTAKES = {
    "the scaling alpha / r is missing: "
    "W + (alpha / r) * (B @ A).T": lambda w, a, b, alpha, r: w + (b @ a).T,
    "you scaled by r / alpha; the "
    "update is multiplied by alpha / r": lambda w, a, b, alpha, r: (
        w + (r / alpha) * (b @ a).T
    ),
    "you scaled by alpha alone; LoRA "
    "divides by r too: alpha / r": lambda w, a, b, alpha, r: w + alpha * (b @ a).T,
    "you subtracted the update; merging "
    "adds it (unmerging subtracts)": lambda w, a, b, alpha, r: (
        w - _update(a, b, alpha, r)
    ),
    "you returned the update alone; add it to the weight": lambda w, a, b, alpha, r: (
        _update(a, b, alpha, r)
    ),
    "you returned the weight unchanged": lambda w, a, b, alpha, r: w,
}


def _merge_shape(out, right, case) -> str:
    if np.shape(out) == right.shape[::-1]:
        return (
            "you returned the nn.Linear layout (fan_out, fan_in); a Conv1D weight "
            "is (fan_in, fan_out)"
        )
    return f"returned shape {np.shape(out)}, expected the weight's shape {right.shape}"


@checking.checker
def check_merge_conv1d(fn, show: bool = True) -> Feedback:
    """Check ``fn(weight, lora_A, lora_B, alpha, r) -> merged weight`` for a ``Conv1D``
    weight (fan_in, fan_out)."""
    name = "Merging LoRA into Conv1D"
    transpose = [
        "B @ A is (fan_out, fan_in), the nn.Linear layout; Conv1D stores "
        "(fan_in, fan_out): transpose the update"
    ]
    cases = _merge_cases()
    _, problem = checking.run(fn, cases[0].args)
    if problem and any(word in problem for word in ("shape", "align", "broadcast")):
        return feedback(name, [problem], transpose, show=show)
    return checking.judge(
        name,
        fn,
        cases,
        merge_conv1d,
        same=_close,
        shape=_merge_shape,
        mistakes=_MERGE_MISTAKES,
        differs_hints=[
            "(B @ A) is (fan_out, fan_in); transpose it to the Conv1D "
            "layout before adding"
        ],
        show=show,
    )
