"""The framework-free text helpers: tokenizer, corpora, batches and sampling."""

import numpy as np
import pytest

from aigc_course.core.gpt import GPTConfig
from aigc_course.data import text


def test_tokenizer_round_trip_and_unknown_characters():
    tok = text.CharTokenizer()
    sample = "there once was a cat by the sea,\nwho would sing!"
    ids = tok.encode(sample)
    assert ids.dtype == np.int64 and tok.decode(ids) == sample
    assert tok.vocab_size == len(text.ALPHABET)
    with pytest.raises(
        ValueError, match="prompt contains characters outside the vocabulary: 'QZ'"
    ):
        tok.encode("QuiZ", name="prompt")
    with pytest.raises(ValueError, match="ids must lie in"):
        tok.decode([tok.vocab_size])
    assert text.CharTokenizer.from_text("abca").chars == "abc"


def test_corpora_are_deterministic_and_in_the_alphabet():
    a, b = text.limerick_corpus(20, seed=1), text.limerick_corpus(20, seed=1)
    assert a == b and a != text.limerick_corpus(20, seed=2)
    assert a.count("there once was a") == 20
    corpus = text.stdlib_corpus(max_chars=50_000)
    assert 40_000 < len(corpus) <= 50_000 and corpus == text.stdlib_corpus(
        max_chars=50_000
    )
    for t in (a, corpus):
        assert set(t) <= set(text.ALPHABET)
    with pytest.raises(ValueError, match="max_chars"):
        text.stdlib_corpus(max_chars=0)


def test_split_text_holds_out_the_end_at_a_blank_line():
    corpus = text.limerick_corpus(50)
    train, valid = text.split_text(corpus, 0.1)
    assert train + valid == corpus and train.endswith("\n\n")
    assert 0.05 < len(valid) / len(corpus) < 0.15
    with pytest.raises(ValueError, match="valid_fraction"):
        text.split_text(corpus, 1.5)


def test_batches_windows_and_checks():
    ids = np.arange(100)
    starts = text.batch_starts(len(ids), steps=3, batch_size=4, block_size=8, seed=0)
    assert (
        starts.shape == (3, 4) and (starts == text.batch_starts(100, 3, 4, 8, 0)).all()
    )
    x, y = text.windows(ids, starts, 8)
    assert x.shape == y.shape == (3, 4, 8) and (y == x + 1).all()
    x, y = text.eval_windows(ids, 8)
    assert (x[:, 0] == np.arange(0, 92, 8)).all() and (y[-1, -1] <= 99)
    with pytest.raises(ValueError, match="token_ids must lie in"):
        text.check_token_ids(np.array([0, 1, 99] * 10), vocab_size=10, block_size=4)
    with pytest.raises(ValueError, match="more than block_size"):
        text.check_token_ids(np.arange(4), vocab_size=10, block_size=4)


def test_sampling_rules():
    logits = np.array([0.0, 3.0, 1.0, 2.0])
    rng = np.random.default_rng(0)
    assert text.sample_next(logits, 0, None, rng) == 1  # temperature 0 is greedy
    # top_k=1 is greedy too
    assert all(text.sample_next(logits, 1.0, 1, rng) == 1 for _ in range(20))
    draws = {text.sample_next(logits, 1.0, 2, rng) for _ in range(200)}
    assert draws == {1, 3}  # only the two largest logits survive top_k=2
    with pytest.raises(
        ValueError, match="top_k must be None or an integer in \\[1, 4\\]"
    ):
        text.check_generate_args(5, 1.0, 5, 4)
    with pytest.raises(ValueError, match="temperature"):
        text.check_generate_args(5, -1.0, None, 4)
    with pytest.raises(ValueError, match="n must be"):
        text.check_generate_args(-1, 1.0, None, 4)


def test_config_checks():
    with pytest.raises(ValueError, match="n_embd must be a multiple of n_head"):
        GPTConfig(vocab_size=10, n_embd=30, n_head=4)
    with pytest.raises(ValueError, match="block_size must be an integer >= 1"):
        GPTConfig(vocab_size=10, block_size=0)
    with pytest.raises(ValueError, match="dropout"):
        GPTConfig(vocab_size=10, dropout=1.0)
