"""LoRA in both frameworks: starts as the base model, merge == unmerged, same numbers
with copied weights."""

import numpy as np
import pytest
import torch

from aigc_course import seed_everything
from aigc_course.book import parity
from aigc_course.data import text
from aigc_course.keras import gpt as kgpt
from aigc_course.keras import lora as klora
from aigc_course.torch import gpt as tgpt
from aigc_course.torch import lora as tlora

TOK = text.CharTokenizer()
SIZES = dict(block_size=16, n_layer=2, n_head=2, n_embd=16)
TARGETS = ("c_attn", "c_fc")
X = np.random.default_rng(0).integers(0, TOK.vocab_size, (2, 16))


def _logits(model, x=X):
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            return model(torch.as_tensor(x))[0].numpy()
    return np.asarray(model._logits(x.astype("int32")))  # the traced path generate uses


@pytest.mark.parametrize(
    "gpt,lora", [(tgpt, tlora), (kgpt, klora)], ids=["torch", "keras"]
)
def test_lora_starts_as_the_base_model_and_merges_exactly(gpt, lora):
    seed_everything(0)
    model = gpt.TinyGPT(TOK, **SIZES)
    base = _logits(model)
    total = lora.count_parameters(model)
    adapted = lora.apply_lora(model, TARGETS, r=2, alpha=4)
    assert adapted == [
        "blocks.0.attn.c_attn",
        "blocks.0.mlp.c_fc",
        "blocks.1.attn.c_attn",
        "blocks.1.mlp.c_fc",
    ]
    np.testing.assert_array_equal(_logits(model), base)  # B = 0: exactly the base model
    # only A (in, r) and B (r, out) train: c_attn 16 -> 48, c_fc 16 -> 64, in 2 blocks
    assert lora.count_trainable_parameters(model) == 2 * (2 * (16 + 48) + 2 * (16 + 64))
    assert lora.count_parameters(model) == total + lora.count_trainable_parameters(
        model
    )
    layer = lora.lora_layers(model)[0]
    assert layer.scaling == 2.0
    rng = np.random.default_rng(1)
    for layer in lora.lora_layers(model):  # a trained-looking update
        value = rng.standard_normal(tuple(layer.lora_B.shape)).astype("float32")
        if isinstance(layer.lora_B, torch.nn.Parameter):
            layer.lora_B.data = torch.as_tensor(value)
        else:
            layer.lora_B.assign(value)
    unmerged = _logits(model)
    assert np.abs(unmerged - base).max() > 1e-3
    assert lora.merge_lora(model) == 4
    np.testing.assert_allclose(_logits(model), unmerged, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="already merged"):
        layer.merge()
    lora.unmerge_lora(model)
    np.testing.assert_allclose(_logits(model), unmerged, atol=1e-5, rtol=0)


def test_lora_parity_with_copied_weights():
    seed_everything(0)
    t, k = tgpt.TinyGPT(TOK, **SIZES), kgpt.TinyGPT(TOK, **SIZES)
    tlora.apply_lora(t, TARGETS, r=2)
    klora.apply_lora(k, TARGETS, r=2)
    with torch.no_grad():
        for layer in tlora.lora_layers(t):
            layer.lora_B.normal_()
    # embeddings, 6 per block, ln_f + head, LoRA
    assert parity.copy_torch_to_keras(t, k) == 2 + 2 * 6 + 2 + 4
    np.testing.assert_allclose(_logits(t), _logits(k), atol=1e-5, rtol=0)
    assert t.generate("there ", 20, temperature=0) == k.generate(
        "there ", 20, temperature=0
    )
    tlora.merge_lora(t)
    parity.copy_torch_to_keras(t, k)  # a merged twin stays merged
    assert all(layer.merged for layer in klora.lora_layers(k))
    np.testing.assert_allclose(_logits(t), _logits(k), atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "gpt,lora", [(tgpt, tlora), (kgpt, klora)], ids=["torch", "keras"]
)
def test_training_moves_only_the_lora_weights(gpt, lora):
    seed_everything(0)
    model = gpt.TinyGPT(TOK, **SIZES)
    lora.apply_lora(model, "c_attn", r=1)
    layer = lora.lora_layers(model)[0]
    snapshot = lambda w: (
        w.detach().numpy().copy() if isinstance(w, torch.Tensor) else w.numpy()
    )
    head_weight = model.lm_head.weight if gpt is tgpt else model.lm_head.kernel
    before = [snapshot(w) for w in (head_weight, layer.lora_B)]
    gpt.train_lm(
        model, TOK.encode(text.limerick_corpus(10)), steps=2, batch_size=2, eval_every=2
    )
    np.testing.assert_array_equal(snapshot(head_weight), before[0])  # frozen
    assert np.abs(snapshot(layer.lora_B) - before[1]).max() > 0  # trained


@pytest.mark.parametrize(
    "gpt,lora", [(tgpt, tlora), (kgpt, klora)], ids=["torch", "keras"]
)
def test_bad_arguments(gpt, lora):
    model = gpt.TinyGPT(TOK, **SIZES)
    for r in (0, -1, 1.5):
        with pytest.raises(ValueError, match="r must be an integer >= 1"):
            lora.apply_lora(model, TARGETS, r=r)
    with pytest.raises(ValueError, match="r must be an integer >= 1, got 0"):
        lora.LoRALinear(model.lm_head, r=0)
    with pytest.raises(ValueError, match="alpha must be"):
        lora.apply_lora(model, TARGETS, alpha=0)
    with pytest.raises(ValueError, match="dropout"):
        lora.apply_lora(model, TARGETS, dropout=1.0)
    # arguments are checked before any layer is replaced
    assert lora.lora_layers(model) == []
    with pytest.raises(ValueError, match="matched no linear layer.*c_attn"):
        lora.apply_lora(model, ["q_proj"])
    with pytest.raises(ValueError, match="base must be"):
        lora.LoRALinear(model.ln_f)
    layer = lora.LoRALinear(model.lm_head)
    with pytest.raises(ValueError, match="not merged"):
        layer.unmerge()


@pytest.mark.parametrize(
    "lora,gpt", [(tlora, tgpt), (klora, kgpt)], ids=["torch", "keras"]
)
def test_freeze_and_predicate(lora, gpt):
    model = gpt.TinyGPT(TOK, **SIZES)
    lora.freeze(model)
    assert lora.count_trainable_parameters(model) == 0
    lora.freeze(model, frozen=False)
    assert lora.count_trainable_parameters(model) == lora.count_parameters(model)
    chosen = lora.apply_lora(
        model,
        lambda path, layer: path.startswith("blocks.1.mlp"),
        r=1,
        freeze_base=False,
    )
    assert chosen == ["blocks.1.mlp.c_fc", "blocks.1.mlp.c_proj"]
    assert lora.count_trainable_parameters(model) == lora.count_parameters(model)


@pytest.mark.parametrize(
    "gpt,lora", [(tgpt, tlora), (kgpt, klora)], ids=["torch", "keras"]
)
def test_lora_model_stays_causal(gpt, lora):
    """With a non-zero update, changing the token at position j still leaves the logits
    before j unchanged."""
    seed_everything(0)
    model = gpt.TinyGPT(TOK, **SIZES)
    lora.apply_lora(model, ("c_attn", "c_proj", "c_fc"), r=2)
    rng = np.random.default_rng(3)
    for layer in lora.lora_layers(model):
        value = rng.standard_normal(tuple(layer.lora_B.shape)).astype("float32")
        if isinstance(layer.lora_B, torch.nn.Parameter):
            layer.lora_B.data = torch.as_tensor(value)
        else:
            layer.lora_B.assign(value)
    base = _logits(model)
    for j in (3, 12):
        x = X.copy()
        x[:, j] = (x[:, j] + 1) % TOK.vocab_size
        changed = _logits(model, x)
        np.testing.assert_array_equal(changed[:, :j], base[:, :j])
        assert np.abs(changed[:, j:] - base[:, j:]).max() > 0
