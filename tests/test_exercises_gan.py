"""The chapter-2 (GAN) checkers accept the right answer and name the typical
mistakes."""

import numpy as np
import pytest

from aigc_course.exercises import gan as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert any(fragment in p for p in result.problems), result.problems


def _sp(x):
    return np.logaddexp(0, x)


def _sig(x):
    return 1 / (1 + np.exp(-x))


# ---- discriminator loss -------------------------------------------------------


def d_loss_right(r, f, s=0.0):
    return np.mean((1 - s) * _sp(-r) + s * _sp(r)) + np.mean(_sp(f))


def d_loss_naive(r, f, s=0.0):  # log of sigmoid: also right for moderate logits
    t = 1 - s
    return -np.mean(t * np.log(_sig(r)) + (1 - t) * np.log(1 - _sig(r))) - np.mean(
        np.log(1 - _sig(f))
    )


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda r, f, s: np.mean((1 - s) * _sp(-r) + s * _sp(r)),
            "fake term is missing",
        ),
        (lambda r, f, s: np.mean(_sp(f)), "real term is missing"),
        (lambda r, f, s: -d_loss_right(r, f, s), "wrong sign"),
        (lambda r, f, s: np.mean(_sp(r)) + np.mean(_sp(-f)), "targets are swapped"),
        (
            lambda r, f, s: (
                np.mean((1 - s) * _sp(-r) + s * _sp(r))
                + np.mean(s * _sp(-f) + (1 - s) * _sp(f))
            ),
            "one-sided",
        ),
        (
            lambda r, f, s: np.mean(s * _sp(-r) + (1 - s) * _sp(r)) + np.mean(_sp(f)),
            "not label_smoothing itself",
        ),
        (lambda r, f, s: d_loss_right(r, f, 0.0), "label_smoothing is ignored"),
        (
            lambda r, f, s: np.sum((1 - s) * _sp(-r) + s * _sp(r)) + np.sum(_sp(f)),
            "summed over the batch",
        ),
        (
            lambda r, f, s: -np.mean((1 - s) * _sig(r)) + np.mean(np.log(_sig(f))),
            "used D(x) where log D(x) belongs",
        ),
        (lambda r, f, s: d_loss_right(r, f, s) / 2, "averaged the two terms"),
        (lambda r, f, s: -np.mean(np.log(r)) - np.mean(np.log(1 - f)), "logits"),
        (lambda r, f, s: (1 - s) * _sp(-r) + _sp(f), "one loss per example"),
        (lambda r, f, s: d_loss_right(r, f, s) + 0.01, "expected"),
        (
            lambda r, f, s: d_loss_right(r, f, 0.0) + (0.3 if s else 0.0),
            "only the real target changes",
        ),
        (lambda r, f, s: 1 / 0, "raised ZeroDivisionError"),
        (42, "expected a function"),
    ],
)
def test_discriminator_loss_mistakes(wrong, fragment):
    _only(ex.check_discriminator_loss(wrong, show=False), fragment)


def test_discriminator_loss_right_answers_pass(capsys):
    assert ex.check_discriminator_loss(d_loss_right).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_discriminator_loss(d_loss_naive, show=False).passed
    assert ex.check_discriminator_loss(
        ex.reference_discriminator_loss, show=False
    ).passed


# ---- generator loss -------------------------------------------------------------


def g_loss_right(f, loss):
    return np.mean(_sp(-f)) if loss == "non_saturating" else -np.mean(_sp(f))


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda f, loss: (
                -np.mean(_sp(f)) if loss == "non_saturating" else np.mean(_sp(-f))
            ),
            "that is the minimax loss",
        ),
        (
            lambda f, loss: (
                -np.mean(_sp(f)) if loss == "non_saturating" else np.mean(_sp(-f))
            ),
            "that is the non-saturating loss",
        ),
        (
            lambda f, loss: (
                -np.mean(_sp(-f)) if loss == "non_saturating" else -np.mean(_sp(f))
            ),
            "wrong sign",
        ),
        (
            lambda f, loss: (
                np.mean(_sp(f)) if loss == "non_saturating" else -np.mean(_sp(f))
            ),
            "discriminator's fake term",
        ),
        (lambda f, loss: np.mean(_sp(-f)), "you return the same value for both kinds"),
        (
            lambda f, loss: (
                np.mean(_sp(-f)) if loss == "non_saturating" else np.mean(_sp(f))
            ),
            "in the minimax game G minimises",
        ),
        (
            lambda f, loss: (
                np.mean(_sp(-f)) if loss == "non_saturating" else np.mean(_sp(-f)) + 1
            ),
            "expected",
        ),
        (
            lambda f, loss: (
                np.sum(_sp(-f)) if loss == "non_saturating" else -np.sum(_sp(f))
            ),
            "summed over the batch",
        ),
        (
            lambda f, loss: (
                -np.mean(_sig(f)) if loss == "non_saturating" else -np.mean(_sp(f))
            ),
            "where log D(G(z)) belongs",
        ),
        (lambda f, loss: _sp(-f), "one loss per example"),
        (lambda f, loss: -np.mean(np.log(f)), "logits, not probabilities"),
        (lambda f, loss: None if loss == "minimax" else 1.0, "returned None"),
        (lambda f, loss: "high", "not a number"),
    ],
)
def test_generator_loss_mistakes(wrong, fragment):
    _only(ex.check_generator_loss(wrong, show=False), fragment)


def test_generator_loss_right_answers_pass():
    assert ex.check_generator_loss(g_loss_right, show=False).passed
    assert ex.check_generator_loss(ex.reference_generator_loss, show=False).passed
    naive = lambda f, loss: (
        -np.mean(np.log(_sig(f)))
        if loss == "non_saturating"
        else np.mean(np.log(1 - _sig(f)))
    )
    assert ex.check_generator_loss(naive, show=False).passed


def test_reference_generator_loss_rejects_unknown_kind():
    with pytest.raises(ValueError, match="loss must be one of"):
        ex.reference_generator_loss(np.zeros(3), "hinge")


# ---- high-quality fraction --------------------------------------------------------


def hq_right(points, centres, std):
    d = np.linalg.norm(points[:, None] - centres[None], axis=-1)
    return np.mean(d.min(axis=1) <= 3 * std)


def _d(points, centres):
    return np.linalg.norm(points[:, None] - centres[None], axis=-1)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda p, c, s: np.sum(_d(p, c).min(1) <= 3 * s), "returned a count"),
        (lambda p, c, s: np.mean(_d(p, c).min(1) <= s), "not 1 std"),
        (lambda p, c, s: np.mean(_d(p, c).min(1) <= 2 * s), "not 2 std"),
        (lambda p, c, s: np.mean((_d(p, c) ** 2).min(1) <= 3 * s), "squared distances"),
        (lambda p, c, s: np.mean(_d(p, c).mean(1) <= 3 * s), "nearest"),
        (lambda p, c, s: np.mean(_d(p, c).min(1) > 3 * s), "bad"),
        (lambda p, c, s: _d(p, c).min(1) <= 3 * s, "one value per point"),
        (lambda p, c, s: 0.123, "the same answer whatever its inputs"),
        (lambda p, c, s: 0.123 + len(p) / 1000, "expected"),
        (lambda p, c, s: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_high_quality_fraction_mistakes(wrong, fragment):
    _only(ex.check_high_quality_fraction(wrong, show=False), fragment)


def test_high_quality_fraction_right_answers_pass():
    assert ex.check_high_quality_fraction(hq_right, show=False).passed
    assert ex.check_high_quality_fraction(
        ex.reference_high_quality_fraction, show=False
    ).passed


def test_the_wrong_rules_give_distinct_answers():
    """The chosen test points tell every recognised mistake apart from the right
    answer."""
    points, centres, std = ex._quality_case()
    d = _d(points, centres)
    values = [np.mean(d.min(1) <= k * std) for k in (1, 2, 3)] + [
        np.mean((d**2).min(1) <= 3 * std)
    ]
    assert len(set(np.round(values, 9))) == len(values)


def test_generator_loss_accepts_a_torch_tensor_that_requires_grad():
    import torch

    def in_torch(fake_logits, loss):
        f = torch.tensor(np.asarray(fake_logits), requires_grad=True)
        d = torch.sigmoid(f)
        return (
            -torch.log(d).mean()
            if loss == "non_saturating"
            else torch.log(1 - d).mean()
        )

    assert ex.check_generator_loss(in_torch, show=False).passed


# ---- transposed convolution size (DCGAN)
# -----------------------------------------------


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda n, k, s, p, op: (n + 2 * p - k) // s + 1,
            "ordinary (forward) convolution",
        ),
        (lambda n, k, s, p, op: n * s - 2 * p + k + op, "(size - 1) * stride"),
        (lambda n, k, s, p, op: (n - 1) * s - p + k + op, "2 * padding"),
        (lambda n, k, s, p, op: (n - 1) * s + 2 * p + k + op, "padding removes pixels"),
        (lambda n, k, s, p, op: (n - 1) * s - 2 * p + k, "output_padding is missing"),
        (lambda n, k, s, p, op: 14, "the same answer whatever its inputs"),
        (lambda n, k, s, p, op: [n, n], "one number"),
    ],
)
def test_conv_transpose_size_mistakes(wrong, fragment):
    _only(ex.check_conv_transpose_size(wrong, show=False), fragment)


def test_conv_transpose_size_matches_pytorch():
    import torch

    for n, k, s, p, op in [(7, 4, 2, 1, 0), (4, 3, 2, 1, 1), (5, 5, 3, 2, 2)]:
        layer = torch.nn.ConvTranspose2d(
            1, 1, k, stride=s, padding=p, output_padding=op
        )
        assert layer(torch.zeros(1, 1, n, n)).shape[
            -1
        ] == ex.conv_transpose_output_size(n, k, s, p, op)
    assert ex.check_conv_transpose_size(
        lambda n, k, s, p, op: (n - 1) * s - 2 * p + k + op, show=False
    ).passed


# ---- label maps (conditional GAN)
# ----------------------------------------------------------


def maps_right(images, labels, k):
    n, _, h, w = images.shape
    maps = np.zeros((n, k, h, w))
    maps[np.arange(n), labels] = 1.0
    return np.concatenate([images, maps], axis=1)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda x, y, k: np.concatenate([maps_right(x, y, k)[:, 1:], x], axis=1),
            "maps come first",
        ),
        (
            lambda x, y, k: np.concatenate(
                [x, np.ones_like(x) * y[:, None, None, None]], axis=1
            ),
            "one map for the label",
        ),
        (lambda x, y, k: maps_right(x, y, k)[:, 1:], "without the image"),
        (
            lambda x, y, k: np.concatenate([x, 1 - maps_right(x, y, k)[:, 1:]], axis=1),
            "inverted",
        ),
        (lambda x, y, k: np.moveaxis(maps_right(x, y, k), 1, -1), "channels last"),
        (lambda x, y, k: np.eye(k)[y], "one value per class"),
        (lambda x, y, k: maps_right(x, y, k) * 0.9, "values differ"),
    ],
)
def test_label_maps_mistakes(wrong, fragment):
    _only(ex.check_label_maps(wrong, show=False), fragment)


def test_label_maps_match_the_package():
    import torch

    from aigc_course.torch._layers import label_maps as torch_label_maps

    assert ex.check_label_maps(maps_right, show=False).passed
    assert ex.check_label_maps(
        lambda x, y, k: torch_label_maps(torch.as_tensor(x), torch.as_tensor(y), k),
        show=False,
    ).passed


# ---- conditioning by concatenation (conditional GAN)
# -------------------------------------


def condition_right(h, y, k):
    one_hot = np.zeros((len(y), k))
    one_hot[np.arange(len(y)), y] = 1.0
    return np.concatenate([h, one_hot], axis=1)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (
            lambda h, y, k: np.concatenate(
                [condition_right(h, y, k)[:, h.shape[1] :], h], axis=1
            ),
            "comes first",
        ),
        (lambda h, y, k: np.concatenate([h, y[:, None]], axis=1), "as one number"),
        (
            lambda h, y, k: condition_right(h, y, k)[:, h.shape[1] :],
            "one-hot code alone",
        ),
        (lambda h, y, k: condition_right(h, y, k).T, "transposed"),
        (
            lambda h, y, k: np.concatenate(
                [h, 1 - condition_right(h, y, k)[:, h.shape[1] :]], axis=1
            ),
            "inverted",
        ),
        (
            lambda h, y, k: np.concatenate(
                [h, condition_right(h, (y + 1) % k, k)[:, h.shape[1] :]], axis=1
            ),
            "values differ",
        ),
    ],
)
def test_condition_mistakes(wrong, fragment):
    _only(ex.check_condition(wrong, show=False), fragment)


def test_condition_matches_the_package():
    import torch

    from aigc_course.torch._layers import condition as torch_condition

    assert ex.check_condition(condition_right, show=False).passed
    assert ex.check_condition(
        lambda h, y, k: torch_condition(torch.as_tensor(h), torch.as_tensor(y), k),
        show=False,
    ).passed
