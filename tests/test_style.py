"""Style transfer: Gram matrix against NumPy, losses and extractors agree across
frameworks, bad input."""

import inspect

import numpy as np
import pytest
import torch

import aigc_course
from aigc_course.book import parity
from aigc_course.evaluation import imaging
from aigc_course.keras import style as ks
from aigc_course.torch import style as ts

rng = np.random.default_rng(0)
FEATS = rng.standard_normal((2, 5, 6, 7)).astype(np.float32)  # (N, C, H, W)
# another size, same channels
OTHER = rng.standard_normal((2, 5, 4, 3)).astype(np.float32)


def gram_numpy(f):
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return np.einsum("nip,njp->nij", flat, flat) / (h * w)


def nhwc(f):
    return f.transpose(0, 2, 3, 1)


def test_gram_matrix_matches_numpy_formula_in_both_frameworks():
    expected = gram_numpy(FEATS)
    assert expected.shape == (2, 5, 5) and np.allclose(
        expected, expected.transpose(0, 2, 1)
    )
    np.testing.assert_allclose(
        ts.gram_matrix(torch.as_tensor(FEATS)).numpy(), expected, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(ks.gram_matrix(nhwc(FEATS))), expected, rtol=1e-5, atol=1e-6
    )
    # spatial position does not matter: shuffling pixels (the same way in every channel)
    # keeps G
    perm = rng.permutation(6 * 7)
    shuffled = FEATS.reshape(2, 5, -1)[:, :, perm].reshape(FEATS.shape)
    np.testing.assert_allclose(gram_numpy(shuffled), expected, rtol=1e-5, atol=1e-6)


def test_losses_agree_across_frameworks_and_match_formulas():
    c_t = ts.content_loss(
        torch.as_tensor(FEATS), torch.as_tensor(FEATS[::-1].copy())
    ).item()
    c_k = float(ks.content_loss(nhwc(FEATS), nhwc(FEATS[::-1].copy())))
    assert c_t == pytest.approx(
        np.mean((FEATS - FEATS[::-1]) ** 2), rel=1e-5
    ) and c_k == pytest.approx(c_t, rel=1e-5)
    s_t = ts.style_loss([torch.as_tensor(FEATS)], [torch.as_tensor(OTHER)]).item()
    s_k = float(ks.style_loss([nhwc(FEATS)], [nhwc(OTHER)]))
    assert s_t == pytest.approx(
        np.mean((gram_numpy(FEATS) - gram_numpy(OTHER)) ** 2), rel=1e-5
    )
    assert s_k == pytest.approx(s_t, rel=1e-5)
    two = ts.style_loss(
        [torch.as_tensor(FEATS)] * 2, [torch.as_tensor(OTHER)] * 2
    ).item()
    assert two == pytest.approx(2 * s_t, rel=1e-6)  # summed over layers


def _extractors(**kwargs):
    aigc_course.seed_everything(0)
    t, k = ts.FeatureExtractor(**kwargs), ks.FeatureExtractor(**kwargs)
    parity.copy_torch_to_keras(t, k)
    return t, k


def test_extractor_parity_and_shapes():
    t, k = _extractors(channels=(4, 8, 6))
    x = rng.uniform(size=(2, 16, 16, 3)).astype(np.float32)
    out_t = t(torch.as_tensor(x).permute(0, 3, 1, 2))
    out_k = k(x)
    assert [tuple(o.shape) for o in out_t] == [
        (2, 4, 16, 16),
        (2, 8, 8, 8),
        (2, 6, 4, 4),
    ]
    for a, b in zip(out_t, out_k):
        np.testing.assert_allclose(nhwc(a.numpy()), np.asarray(b), atol=1e-5)
    assert not any(p.requires_grad for p in t.parameters()) and not k.trainable_weights


def test_transfer_style_agrees_across_frameworks_and_lowers_the_loss():
    content, style = (
        imaging.load_photo("china.jpg", 16),
        imaging.load_photo("flower.jpg", 16),
    )
    t, k = _extractors(channels=(4, 8))
    kwargs = dict(
        steps=15, style_layers=(0, 1), content_layers=(1,), learning_rate=0.05
    )
    img_t, h_t = ts.transfer_style(content, style, extractor=t, **kwargs)
    img_k, h_k = ks.transfer_style(content, style, extractor=k, **kwargs)
    assert (
        img_t.shape == img_k.shape == (16, 16, 3)
        and 0 <= img_t.min()
        and img_t.max() <= 1
    )
    assert (
        set(h_t) == set(h_k) == {"step", "loss", "content_loss", "style_loss"}
        and len(h_t["loss"]) == 15
    )
    np.testing.assert_allclose(h_t["loss"][:5], h_k["loss"][:5], rtol=1e-3)
    assert h_t["content_loss"][0] == 0.0  # starts from the content image
    assert (
        h_t["loss"][-1] < 0.8 * h_t["loss"][0]
        and h_k["loss"][-1] < 0.8 * h_k["loss"][0]
    )
    np.testing.assert_allclose(img_t, img_k, atol=0.05)


def test_noise_start_is_seeded():
    content = imaging.load_photo("china.jpg", 8)
    t, _ = _extractors(channels=(2,))
    a, _ = ts.transfer_style(
        content,
        content,
        extractor=t,
        steps=1,
        init="noise",
        seed=3,
        style_layers=(0,),
        content_layers=(0,),
    )
    b, _ = ts.transfer_style(
        content,
        content,
        extractor=t,
        steps=1,
        init="noise",
        seed=3,
        style_layers=(0,),
        content_layers=(0,),
    )
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("module", [ts, ks], ids=["torch", "keras"])
@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"content": np.zeros((8, 8))}, "content"),
        ({"style": np.full((8, 8, 3), 255.0)}, "style"),
        ({"steps": 0}, "steps"),
        ({"style_weight": -1.0}, "style_weight"),
        ({"content_weight": float("nan")}, "content_weight"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"init": "zeros"}, "init"),
        ({"style_layers": (0, 5)}, "style_layers"),
        ({"content_layers": ()}, "content_layers"),
        ({"seed": -1}, "seed"),
    ],
)
def test_transfer_style_bad_input(module, kwargs, argument):
    args = {"content": np.zeros((8, 8, 3)), "style": np.zeros((8, 8, 3))}
    args.update(kwargs)
    content, style = args.pop("content"), args.pop("style")
    with pytest.raises(ValueError, match=argument):
        module.transfer_style(content, style, steps=args.pop("steps", 1), **args)


@pytest.mark.parametrize("module", [ts, ks], ids=["torch", "keras"])
def test_extractor_and_loss_bad_input(module):
    with pytest.raises(ValueError, match="channels"):
        module.FeatureExtractor(channels=())
    with pytest.raises(ValueError, match="kernel_size"):
        module.FeatureExtractor(kernel_size=2)
    with pytest.raises(ValueError, match="targets"):
        module.style_loss(
            [np.zeros((1, 2, 2, 2), "float32")] * 2, [np.zeros((1, 2, 2, 2), "float32")]
        )


def test_same_signatures():
    for name in (
        "gram_matrix",
        "content_loss",
        "style_loss",
        "transfer_style",
        "FeatureExtractor",
    ):
        tp = [
            (p.name, p.kind, p.default)
            for p in inspect.signature(getattr(ts, name)).parameters.values()
        ]
        kp = [
            (p.name, p.kind, p.default)
            for p in inspect.signature(getattr(ks, name)).parameters.values()
        ]
        assert tp == kp, name
