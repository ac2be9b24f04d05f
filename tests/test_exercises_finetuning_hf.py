"""Chapter 5 (the Hugging Face workflow): reference functions, checkers, and the
libraries' own counts."""

import subprocess
import sys

import numpy as np
import pytest

from aigc_course.exercises import finetuning_hf as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert any(fragment in p for p in result.problems + result.hints), (
        result.problems,
        result.hints,
    )


def test_module_imports_without_transformers():
    code = (
        "import sys, aigc_course.exercises.finetuning_hf; assert 'transformers' "
        "not in sys.modules and 'peft' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- reference functions ----------------------------------------------------------


def test_lora_param_count_by_hand():
    # GPT-2 small, r=8 on c_attn: 12 blocks x 8 x (768 + 2304)
    assert (
        ex.lora_param_count(12, 768, 8, ["c_attn"])
        == 12 * 8 * (768 + 3 * 768)
        == 294_912
    )
    # "c_proj" adapts the attention projection (C -> C) and the MLP's (4C -> C)
    assert ex.lora_param_count(1, 10, 1, ["c_proj"]) == (10 + 10) + (40 + 10)
    assert ex.lora_param_count(1, 10, 1, ["mlp.c_proj"]) == 40 + 10
    assert ex.lora_param_count(1, 10, 1, "c_fc") == 10 + 40


@pytest.mark.parametrize(
    "n_layer, n_embd, r, targets",
    [
        (2, 64, 8, ["c_attn", "c_proj", "c_fc"]),
        (3, 32, 4, ["c_attn"]),
        (1, 16, 2, ["attn.c_proj", "mlp.c_fc"]),
    ],
)
def test_lora_param_count_agrees_with_peft(n_layer, n_embd, r, targets):
    pytest.importorskip("peft")
    pytest.importorskip("transformers")
    assert ex.peft_lora_param_count(n_layer, n_embd, r, targets) == ex.lora_param_count(
        n_layer, n_embd, r, targets
    )


def test_lora_param_count_agrees_with_the_course_lora():
    pytest.importorskip("torch")
    from aigc_course.data import text
    from aigc_course.torch import gpt, lora

    model = gpt.TinyGPT(
        text.CharTokenizer(), block_size=8, n_layer=2, n_head=4, n_embd=32
    )
    lora.apply_lora(model, ["c_attn", "c_proj", "c_fc"], r=4, alpha=8.0)
    assert lora.count_trainable_parameters(model) == ex.lora_param_count(
        2, 32, 4, ["c_attn", "c_proj", "c_fc"]
    )


def test_memory_and_labels_and_merge():
    # 16 bytes per parameter in float32
    assert ex.training_memory_bytes(10, 10, 4) == 160
    assert ex.training_memory_bytes(100, 1, 2) == 200 + 10
    ids = np.array([[4, 5, 6, 0]])
    assert ex.causal_lm_labels(ids, np.array([[1, 1, 1, 0]])).tolist() == [
        [4, 5, 6, -100]
    ]
    rng = np.random.default_rng(0)
    w, a, b = rng.normal(size=(3, 5)), rng.normal(size=(2, 3)), rng.normal(size=(5, 2))
    assert np.allclose(ex.merge_conv1d(w, a, b, 4.0, 2), w + 2.0 * b.dot(a).T)


def test_merge_conv1d_matches_peft():
    torch = pytest.importorskip("torch")
    pytest.importorskip("peft")
    from peft import LoraConfig, get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(
        GPT2Config(vocab_size=16, n_positions=8, n_embd=8, n_layer=1, n_head=2)
    )
    peft_model = get_peft_model(
        model,
        LoraConfig(r=2, lora_alpha=6, target_modules=["c_attn"], fan_in_fan_out=True),
    )
    layer = peft_model.base_model.model.transformer.h[0].attn.c_attn
    with torch.no_grad():
        layer.lora_B["default"].weight.normal_()  # as if trained
    weight = layer.base_layer.weight.detach().numpy().copy()
    a, b = (
        layer.lora_A["default"].weight.detach().numpy(),
        layer.lora_B["default"].weight.detach().numpy(),
    )
    merged = (
        peft_model.merge_and_unload()
        .transformer.h[0]
        .attn.c_attn.weight.detach()
        .numpy()
    )
    assert np.allclose(ex.merge_conv1d(weight, a, b, 6, 2), merged, atol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ex.lora_param_count(0, 64, 8, ["c_attn"]), "n_layer"),
        (lambda: ex.lora_param_count(2, 64, 8, ["q_proj"]), "match no layer"),
        (lambda: ex.lora_param_count(2, 64, 8, []), "non-empty"),
        (lambda: ex.training_memory_bytes(10, 20), "cannot exceed"),
        (lambda: ex.causal_lm_labels(np.zeros((2, 3)), np.zeros((2, 4))), "shape"),
        (
            lambda: ex.merge_conv1d(
                np.zeros((3, 5)), np.zeros((2, 3)), np.zeros((3, 2)), 1.0, 2
            ),
            "shapes",
        ),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---- LoRA parameter count ----------------------------------------------------------

_SIZES = {
    "attn.c_attn": (1, 3),
    "attn.c_proj": (1, 1),
    "mlp.c_fc": (1, 4),
    "mlp.c_proj": (4, 1),
}


def _matched(targets):
    return [p for p in _SIZES if any(p == t or p.endswith("." + t) for t in targets)]


def count_right(n_layer, n_embd, r, targets):
    return n_layer * sum(
        r * (i + o) * n_embd for i, o in (_SIZES[p] for p in _matched(targets))
    )


def _count(per_matrix, sizes=_SIZES, layers=_matched, blocks=True):
    def fn(n_layer, n_embd, r, targets):
        total = sum(
            per_matrix(r, sizes[p][0] * n_embd, sizes[p][1] * n_embd)
            for p in layers(targets)
        )
        return total * (n_layer if blocks else 1)

    return fn


def _first_only(targets):
    out = []
    for t in targets:
        hits = [p for p in _SIZES if p == t or p.endswith("." + t)]
        if hits and hits[0] not in out:
            out.append(hits[0])
    return out


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (_count(lambda r, i, o: r * (i + o), blocks=False), "one block only"),
        (_count(lambda r, i, o: r * i), "A only"),
        (_count(lambda r, i, o: r * o), "B only"),
        (_count(lambda r, i, o: i * o), "full matrix"),
        (_count(lambda r, i, o: r * i * o), "r * fan_in * fan_out"),
        (
            _count(lambda r, i, o: r * (i + o), sizes={p: (1, 1) for p in _SIZES}),
            "3 * n_embd",
        ),
        (_count(lambda r, i, o: r * (i + o), layers=_first_only), "by suffix"),
        (_count(lambda r, i, o: r * (i + o) + o), "bias"),
        (_count(lambda r, i, o: 2 * r * (i + o)), "twice"),
        (
            lambda n_layer, n_embd, r, targets: (
                count_right(n_layer, n_embd, r, targets) + 1
            ),
            "expected",
        ),
        (lambda n_layer, n_embd, r, targets: [1, 2], "one number"),
        (lambda n_layer, n_embd, r, targets: undefined_name, "raised NameError"),  # noqa: F821
    ],
)
def test_lora_count_mistakes(wrong, fragment):
    _only(ex.check_lora_param_count(wrong, show=False), fragment)


def test_lora_count_right_answer_passes(capsys):
    assert ex.check_lora_param_count(count_right).passed
    assert "correct" in capsys.readouterr().out


# ---- memory ------------------------------------------------------------------------


def memory_right(n_params, n_trainable, bytes_per_weight):
    return n_params * bytes_per_weight + n_trainable * (bytes_per_weight + 8)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda n, t, b: memory_right(n, t, b) / 1e9, "gigabytes"),
        (lambda n, t, b: memory_right(n, t, b) / 2**30, "GiB"),
        (lambda n, t, b: memory_right(n, t, b) / 1e6, "megabytes"),
        (lambda n, t, b: memory_right(n, t, b) * 8, "bits"),
        (lambda n, t, b: n * b + t * 8, "gradients"),
        (lambda n, t, b: n * b + t * b, "AdamW moments"),
        (lambda n, t, b: n * b + t * (b + 4), "counted one"),
        (lambda n, t, b: n * b + 3 * t * b, "float32 (4 bytes each)"),
        (lambda n, t, b: n * (2 * b + 8), "frozen parameters have neither"),
        (lambda n, t, b: t * (2 * b + 8), "frozen weights"),
        (lambda n, t, b: n * 4 + t * 12, "bytes_per_weight says"),
        (lambda n, t, b: memory_right(n, t, b) + 1000, "expected"),
    ],
)
def test_memory_mistakes(wrong, fragment):
    _only(ex.check_memory_estimate(wrong, show=False), fragment)


def test_memory_right_answer_passes(capsys):
    assert ex.check_memory_estimate(memory_right).passed
    assert "correct" in capsys.readouterr().out


# ---- labels ------------------------------------------------------------------------


def labels_right(input_ids, attention_mask):
    labels = input_ids.copy()
    labels[attention_mask == 0] = -100
    return labels


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda ids, m: np.concatenate(
                [labels_right(ids, m)[:, 1:], np.full((len(ids), 1), -100)], axis=1
            ),
            "shifted",
        ),
        (lambda ids, m: labels_right(ids, m)[:, 1:], "cut the last position"),
        (lambda ids, m: ids, "padding is still"),
        (lambda ids, m: np.where(m == 1, ids, 0), "marked padding with 0"),
        (lambda ids, m: np.where(m == 0, ids, -100), "masked the real tokens"),
        (lambda ids, m: m, "attention mask"),
        (lambda ids, m: labels_right(ids, m).T, "returned shape"),
        (lambda ids, m: labels_right(ids, m) + 1, "expected"),
    ],
)
def test_labels_mistakes(wrong, fragment):
    _only(ex.check_causal_lm_labels(wrong, show=False), fragment)


def test_labels_right_answers_pass(capsys):
    assert ex.check_causal_lm_labels(labels_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_causal_lm_labels(
        lambda ids, m: np.where(m.astype(bool), ids, -100), show=False
    ).passed


# ---- merge -------------------------------------------------------------------------


def merge_right(weight, lora_A, lora_B, alpha, r):
    return weight + (alpha / r) * (lora_B @ lora_A).T


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda w, a, b, alpha, r: w + (b @ a), "transpose"),
        (lambda w, a, b, alpha, r: w.T + (alpha / r) * (b @ a), "nn.Linear layout"),
        (lambda w, a, b, alpha, r: w + (b @ a).T, "scaling alpha / r is missing"),
        (lambda w, a, b, alpha, r: w + (r / alpha) * (b @ a).T, "r / alpha"),
        (lambda w, a, b, alpha, r: w + alpha * (b @ a).T, "alpha alone"),
        (lambda w, a, b, alpha, r: w - (alpha / r) * (b @ a).T, "subtracted"),
        (lambda w, a, b, alpha, r: (alpha / r) * (b @ a).T, "update alone"),
        (lambda w, a, b, alpha, r: w, "unchanged"),
        (lambda w, a, b, alpha, r: w + (alpha / r) * (b @ a).T + 0.1, "values differ"),
    ],
)
def test_merge_mistakes(wrong, fragment):
    _only(ex.check_merge_conv1d(wrong, show=False), fragment)


def test_merge_right_answers_pass(capsys):
    assert ex.check_merge_conv1d(merge_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_merge_conv1d(
        lambda w, a, b, alpha, r: w + alpha / r * a.T @ b.T, show=False
    ).passed
