"""The chapter-5 (TinyGPT, LoRA) checkers accept right answers and name the typical
mistakes."""

import numpy as np
import pytest

from aigc_course.exercises import finetuning_text as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert len(result.problems) >= 1
    assert any(fragment in p for p in result.problems), result.problems


def _log_softmax(z, axis=-1):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _pick(log_p, targets):
    return np.take_along_axis(log_p, targets[..., None], axis=-1)[..., 0]


# ---- LoRA forward -------------------------------------------------------------


def forward_right(x, W, b, A, B, alpha, r):
    return x @ W.T + b + (alpha / r) * (x @ A.T @ B.T)


def test_lora_forward_right_answers_pass(capsys):
    assert ex.check_lora_forward(forward_right).passed
    assert "correct" in capsys.readouterr().out
    merged = lambda x, W, b, A, B, alpha, r: x @ (W + alpha / r * B @ A).T + b  # noqa: E731  the merged weight
    assert ex.check_lora_forward(merged, show=False).passed
    einsum = lambda x, W, b, A, B, alpha, r: (
        np.einsum("...i,oi->...o", x, W) + b + alpha / r * x @ (B @ A).T
    )
    assert ex.check_lora_forward(einsum, show=False).passed


def test_lora_forward_accepts_torch():
    torch = pytest.importorskip("torch")

    def torch_version(x, W, b, A, B, alpha, r):
        x, W, b, A, B = (torch.as_tensor(a) for a in (x, W, b, A, B))
        return x @ W.T + b + (alpha / r) * (x @ A.T @ B.T)

    assert ex.check_lora_forward(torch_version, show=False).passed


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda x, W, b, A, B, alpha, r: x @ W.T + b + x @ A.T @ B.T,
            "scaling is missing",
        ),
        (
            lambda x, W, b, A, B, alpha, r: x @ W.T + b + r / alpha * x @ A.T @ B.T,
            "upside down",
        ),
        (
            lambda x, W, b, A, B, alpha, r: x @ W.T + b + alpha * x @ A.T @ B.T,
            "alpha alone",
        ),
        (
            lambda x, W, b, A, B, alpha, r: x @ W.T + b + x @ A.T @ B.T / r,
            "1 / r alone",
        ),
        (
            lambda x, W, b, A, B, alpha, r: b + alpha / r * x @ A.T @ B.T,
            "x @ W.T is missing",
        ),
        (
            lambda x, W, b, A, B, alpha, r: alpha / r * x @ A.T @ B.T,
            "base layer's output is missing",
        ),
        (
            lambda x, W, b, A, B, alpha, r: x @ W.T + alpha / r * x @ A.T @ B.T,
            "bias b is missing",
        ),
        (
            lambda x, W, b, A, B, alpha, r: x @ W.T + b - alpha / r * x @ A.T @ B.T,
            "subtracted",
        ),
        (
            lambda x, W, b, A, B, alpha, r: alpha / r * (x @ W.T + b + x @ A.T @ B.T),
            "whole output",
        ),
        (
            lambda x, W, b, A, B, alpha, r: x @ W + b + alpha / r * x @ A @ B,
            "transposed matrices",
        ),
        (
            lambda x, W, b, A, B, alpha, r: x @ W.T + b + 3.0 * x @ A.T @ B.T,
            "compute the scaling alpha / r",
        ),
        (
            lambda x, W, b, A, B, alpha, r: (
                x @ W.T
                + b
                + alpha / r * (x @ A.T @ B.T + x @ A.T.sum(1, keepdims=True))
            ),
            "values differ",
        ),
        (lambda x, W, b, A, B, alpha, r: (x @ W.T + b)[..., 0], "returned shape"),
        (lambda x, W, b, A, B, alpha, r: x @ A.T, "returned shape"),
        (lambda x, W, b, A, B, alpha, r: 1 / 0, "raised ZeroDivisionError"),
        ("not a function", "expected a function"),
    ],
)
def test_lora_forward_mistakes(wrong, fragment):
    _only(ex.check_lora_forward(wrong, show=False), fragment)


def test_lora_forward_must_vanish_with_zero_b():
    def adds_a_constant_through_a(x, W, b, A, B, alpha, r):
        y = x @ W.T + b + alpha / r * x @ A.T @ B.T
        return y if B.any() else y + 1.0  # wrong only when B is zero

    _only(ex.check_lora_forward(adds_a_constant_through_a, show=False), "B = 0")


# ---- LoRA initialisation --------------------------------------------------------


def init_right(n_in, n_out, r, seed):
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(n_in)
    return rng.uniform(-bound, bound, (r, n_in)), np.zeros((n_out, r))


def test_lora_init_right_answers_pass(capsys):
    assert ex.check_lora_init(init_right).passed
    assert "correct" in capsys.readouterr().out
    torch = pytest.importorskip("torch")

    def torch_init(n_in, n_out, r, seed):
        torch.manual_seed(seed)
        A = torch.empty(r, n_in)
        torch.nn.init.kaiming_uniform_(A, a=np.sqrt(5))
        return A, torch.zeros(n_out, r)

    assert ex.check_lora_init(torch_init, show=False).passed


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda i, o, r, s: (np.zeros((r, i)), np.zeros((o, r))), "both zero"),
        (
            lambda i, o, r, s: (
                np.zeros((r, i)),
                np.random.default_rng(s).normal(size=(o, r)),
            ),
            "roles are swapped",
        ),
        (
            lambda i, o, r, s: tuple(
                np.random.default_rng(s).normal(size=sh) for sh in ((r, i), (o, r))
            ),
            "B must start at zero",
        ),
        (
            lambda i, o, r, s: (np.full((r, i), 0.1), np.zeros((o, r))),
            "all entries of A are equal",
        ),
        (
            lambda i, o, r, s: (
                np.random.default_rng(s).normal(0, 100, (r, i)),
                np.zeros((o, r)),
            ),
            "very large",
        ),
        (
            lambda i, o, r, s: (
                np.random.default_rng(s).normal(size=(i, r)),
                np.zeros((r, o)),
            ),
            "in PyTorch's layout A is (r, in)",
        ),
        (
            lambda i, o, r, s: (
                np.random.default_rng(s).normal(size=(r, i + 1)),
                np.zeros((o, r)),
            ),
            "expected (r, in)",
        ),
        (
            lambda i, o, r, s: (
                np.random.default_rng().normal(size=(r, i)),
                np.zeros((o, r)),
            ),
            "same seed gave different A",
        ),
        (
            lambda i, o, r, s: (
                np.random.default_rng(0).normal(size=(r, i)),
                np.zeros((o, r)),
            ),
            "use the `seed` argument",
        ),
        (lambda i, o, r, s: np.zeros((r, i)), "reading (A, B)"),
        ("not a function", "expected a function"),
    ],
)
def test_lora_init_mistakes(wrong, fragment):
    _only(ex.check_lora_init(wrong, show=False), fragment)


# ---- perplexity -------------------------------------------------------------------


def perplexity_right(logits, targets):
    return np.exp(-_pick(_log_softmax(logits), targets).mean())


def test_perplexity_right_answers_pass(capsys):
    assert ex.check_perplexity(perplexity_right).passed
    assert "correct" in capsys.readouterr().out
    bits = lambda z, t: 2 ** (-_pick(_log_softmax(z), t).mean() / np.log(2))  # noqa: E731  loss in bits, 2 ** bits
    assert ex.check_perplexity(bits, show=False).passed
    torch = pytest.importorskip("torch")

    def torch_version(logits, targets):
        logits, targets = torch.as_tensor(logits), torch.as_tensor(targets)
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
        )
        return torch.exp(loss)

    assert ex.check_perplexity(torch_version, show=False).passed


def _naive_log_softmax(z):
    return np.log(np.exp(z) / np.exp(z).sum(-1, keepdims=True))


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda z, t: -_pick(_log_softmax(z), t).mean(), "cross-entropy loss in nats"),
        (lambda z, t: 2 ** (-_pick(_log_softmax(z), t).mean()), "2 ** loss"),
        (lambda z, t: np.exp(-_pick(_log_softmax(z), t).sum()), "summed loss"),
        (lambda z, t: np.exp(-_pick(_log_softmax(z), t)).mean(), "geometric mean"),
        (
            lambda z, t: np.exp(-_pick(_log_softmax(z), t).mean(axis=1)).mean(),
            "perplexities of the windows",
        ),
        (lambda z, t: 1 / np.exp(_pick(_log_softmax(z), t)).mean(), "arithmetic mean"),
        (lambda z, t: np.exp(_pick(_log_softmax(z), t).mean()), "sign is flipped"),
        (lambda z, t: np.exp(-_pick(z, t).mean()), "raw logits"),
        (lambda z, t: np.exp(-_pick(_log_softmax(z, axis=1), t).mean()), "wrong axis"),
        (
            lambda z, t: np.exp(-_pick(_log_softmax(z[:, :-1]), t[:, 1:]).mean()),
            "do not shift",
        ),
        (lambda z, t: np.exp(-_pick(_naive_log_softmax(z), t).mean()), "overflows"),
        (lambda z, t: np.exp(-_pick(_log_softmax(z), t)), "expected one number"),
        (lambda z, t: np.exp(-_pick(_log_softmax(z), t).mean()) + 0.5, "expected"),
        (
            lambda z, t: perplexity_right(z, t) if z.shape[-1] == 7 else 1.0,
            "vocabulary size",
        ),
        (lambda z, t: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_perplexity_mistakes(wrong, fragment):
    import warnings

    with warnings.catch_warnings():
        # the naive softmax overflows on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        _only(ex.check_perplexity(wrong, show=False), fragment)


# ---- trainable-parameter count ------------------------------------------------------


def count_right(layer_shapes, r):
    return sum(r * (n_in + n_out) for n_out, n_in in layer_shapes)


def test_trainable_count_right_answer_passes(capsys):
    assert ex.check_trainable_count(count_right).passed
    assert "correct" in capsys.readouterr().out


def test_trainable_count_agrees_with_the_package():
    """The reference counts what apply_lora makes trainable in a real TinyGPT."""
    from aigc_course.data import text
    from aigc_course.torch import gpt, lora

    model = gpt.TinyGPT(
        text.CharTokenizer(), block_size=8, n_layer=2, n_head=2, n_embd=16
    )
    paths = lora.apply_lora(model, ("c_attn", "c_proj", "c_fc"), r=3)
    shapes = [tuple(model.get_submodule(p).base.weight.shape) for p in paths]
    assert ex.lora_trainable_count(shapes, 3) == lora.count_trainable_parameters(model)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda s, r: sum(o * i + r * (o + i) for o, i in s),
            "frozen base weights as well",
        ),
        (lambda s, r: sum(o * i for o, i in s), "size of the frozen weights"),
        (lambda s, r: sum(r * o * i for o, i in s), "r * in * out"),
        (lambda s, r: sum(r * i for o, i in s), "counted A only"),
        (lambda s, r: sum(r * o for o, i in s), "counted B only"),
        (lambda s, r: sum(r * (o + i) + o for o, i in s), "biases"),
        (lambda s, r: r * sum(s[0]), "first layer only"),
        (lambda s, r: sum(o + i for o, i in s), "rank is missing"),
        (lambda s, r: 8192, "the same answer whatever its inputs"),
        (lambda s, r: 12345 + r, "expected 8192"),
        (lambda s, r: [r * (o + i) for o, i in s], "one number"),
        ("not a function", "expected a function"),
    ],
)
def test_trainable_count_mistakes(wrong, fragment):
    _only(ex.check_trainable_count(wrong, show=False), fragment)
