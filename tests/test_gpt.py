"""TinyGPT in both frameworks: same numbers with copied weights, causal masking, bad
input, checkpoints.

Template: the same weights in two implementations, logits compared with a
tolerance and greedy generations compared exactly (after karpathy/minGPT's
test_huggingface_import.py).
"""

import numpy as np
import pytest
import torch

from aigc_course import seed_everything
from aigc_course.book import parity
from aigc_course.data import text
from aigc_course.keras import gpt as kgpt
from aigc_course.keras import training as ktraining
from aigc_course.torch import gpt as tgpt
from aigc_course.torch import training as ttraining

ATOL = 1e-5
SIZES = dict(block_size=16, n_layer=2, n_head=2, n_embd=16)
TOK = text.CharTokenizer()


def _twins(**kwargs):
    seed_everything(0)
    t, k = (
        tgpt.TinyGPT(TOK, **{**SIZES, **kwargs}),
        kgpt.TinyGPT(TOK, **{**SIZES, **kwargs}),
    )
    parity.copy_torch_to_keras(t, k)
    return t, k


def _ids(shape, seed=0):
    return np.random.default_rng(seed).integers(0, TOK.vocab_size, shape)


def _logits(model, x, y=None):
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            logits, loss = model(
                torch.as_tensor(x), None if y is None else torch.as_tensor(y)
            )
        return logits.numpy(), None if loss is None else float(loss)
    logits, loss = model(x, y)
    return np.asarray(logits), None if loss is None else float(loss)


@pytest.fixture(scope="module")
def twins():
    return _twins()


def test_same_sizes_logits_loss_and_generation(twins):
    t, k = twins
    from aigc_course.keras._core import count_parameters as kcount
    from aigc_course.torch._core import count_parameters as tcount

    assert tcount(t) == kcount(k)
    x, y = _ids((3, 16)), _ids((3, 16), seed=1)
    (lt, loss_t), (lk, loss_k) = _logits(t, x, y), _logits(k, x, y)
    assert lt.shape == (3, 16, TOK.vocab_size)
    np.testing.assert_allclose(lt, lk, atol=ATOL, rtol=0)
    assert loss_t == pytest.approx(loss_k, abs=ATOL)
    # small init: close to uniform guessing
    assert loss_t == pytest.approx(np.log(TOK.vocab_size), rel=0.05)
    prompt = "there once was "
    greedy = t.generate(prompt, 30, temperature=0)
    assert (
        greedy == k.generate(prompt, 30, temperature=0)
        and greedy.startswith(prompt)
        and len(greedy) == len(prompt) + 30
    )
    assert t.generate(prompt, 30, top_k=5, seed=3) == k.generate(
        prompt, 30, top_k=5, seed=3
    )


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_causal_masking(twins, framework):
    """Changing the token at position j never changes the logits at positions < j."""
    model = twins[0] if framework == "torch" else twins[1]
    x = _ids((2, 16), seed=2)
    base, _ = _logits(model, x)
    for j in (1, 8, 15):
        changed = x.copy()
        changed[:, j] = (changed[:, j] + 1) % TOK.vocab_size
        out, _ = _logits(model, changed)
        np.testing.assert_array_equal(out[:, :j], base[:, :j])
        # and later positions do see it
        assert np.abs(out[:, j:] - base[:, j:]).max() > 0


@pytest.mark.parametrize("module", [tgpt, kgpt], ids=["torch", "keras"])
def test_bad_input(module):
    model = module.TinyGPT(TOK, **SIZES)
    with pytest.raises(
        ValueError, match="prompt contains characters outside the vocabulary"
    ):
        model.generate("Hello", 5)
    with pytest.raises(ValueError, match="top_k must be None or an integer in"):
        model.generate("hi", 5, top_k=TOK.vocab_size + 1)
    with pytest.raises(ValueError, match="top_k must be None or an integer in"):
        model.generate("hi", 5, top_k=0)
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        model.generate("hi", 5, temperature=-0.5)
    with pytest.raises(ValueError, match="n must be an integer >= 0"):
        model.generate("hi", -1)
    with pytest.raises(ValueError, match="prompt must contain"):
        model.generate("", 5)
    with pytest.raises(ValueError, match="token_ids must hold more than block_size=16"):
        module.evaluate_lm(model, _ids(16))
    with pytest.raises(ValueError, match="block_size is 16"):
        x = _ids((1, 17))
        model(torch.as_tensor(x) if module is tgpt else x)
    with pytest.raises(ValueError, match="n_embd must be a multiple of n_head"):
        module.TinyGPT(TOK, n_embd=30, n_head=4)
    with pytest.raises(ValueError, match="tokenizer must be"):
        module.TinyGPT(61)
    with pytest.raises(ValueError, match="token_ids must lie in"):
        module.train_lm(model, np.full(40, TOK.vocab_size), steps=1)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        module.train_lm(model, _ids(40), steps=0)


def test_training_and_evaluation_agree():
    t, k = _twins()
    ids, valid = (
        TOK.encode(text.limerick_corpus(20)),
        TOK.encode(text.limerick_corpus(3, seed=9)),
    )
    # same weights: same numbers
    e_t, e_k = tgpt.evaluate_lm(t, valid), kgpt.evaluate_lm(k, valid)
    assert e_t["loss"] == pytest.approx(e_k["loss"], abs=ATOL)
    assert e_t["perplexity"] == pytest.approx(np.exp(e_t["loss"]), rel=1e-9)
    kwargs = dict(
        steps=6, batch_size=4, learning_rate=1e-3, eval_every=3, seed=1, valid_ids=valid
    )
    h_t, h_k = tgpt.train_lm(t, ids, **kwargs), kgpt.train_lm(k, ids, **kwargs)
    assert h_t["step"] == h_k["step"] == [3, 6]
    # Same windows, same optimizer settings; not bit-identical, because Adam divides
    # each gradient by its own size: gradients that are zero in exact arithmetic
    # (e.g. the key biases') are float noise of either sign, and move by ~lr anyway.
    np.testing.assert_allclose(h_t["loss"], h_k["loss"], atol=5e-3)
    np.testing.assert_allclose(h_t["val_loss"], h_k["val_loss"], atol=5e-3)
    assert h_t["val_loss"][-1] < e_t["loss"]  # it learned something
    assert tgpt.evaluate_lm(t, valid)["loss"] == pytest.approx(
        h_t["val_loss"][-1], abs=1e-6
    )


def test_checkpoint_round_trip_and_resume(tmp_path):
    ids = TOK.encode(text.limerick_corpus(20))
    x = _ids((2, 16))
    kwargs = dict(batch_size=4, eval_every=2, seed=0)
    for module, training, name in (
        (tgpt, ttraining, "gpt.pt"),
        (kgpt, ktraining, "gpt.weights.h5"),
    ):
        seed_everything(0)
        full = module.TinyGPT(TOK, **SIZES)
        seed_everything(0)
        half = module.TinyGPT(TOK, **SIZES)
        h_full = module.train_lm(full, ids, steps=4, **kwargs)
        module.train_lm(half, ids, steps=2, checkpoint=tmp_path / name, **kwargs)
        h_resumed = module.train_lm(
            half, ids, steps=4, checkpoint=tmp_path / name, resume=True, **kwargs
        )
        np.testing.assert_allclose(h_resumed["loss"], h_full["loss"], atol=1e-5)
        fresh = module.TinyGPT(TOK, **SIZES)
        state = training.load_checkpoint(fresh, tmp_path / name)
        assert (
            state["step"] == 4
            and state["epoch"] is None
            and state["history"]["step"] == [2, 4]
        )
        np.testing.assert_allclose(_logits(fresh, x)[0], _logits(full, x)[0], atol=1e-5)
