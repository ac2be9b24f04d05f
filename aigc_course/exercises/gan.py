"""Checkers for the exercises of chapter 2, "Generative adversarial networks".

Each checker calls the reader's NumPy function on chosen inputs and on inputs drawn at
random, compares it with a reference written here, and recognises the usual mistakes so
that it can say what is wrong::

    from aigc_course.exercises import gan as ex
    ex.check_discriminator_loss(my_d_loss)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback, expected
from aigc_course.maths import theory

__all__ = [
    "check_condition",
    "check_conv_transpose_size",
    "check_discriminator_loss",
    "check_generator_loss",
    "check_high_quality_fraction",
    "check_label_maps",
    "condition",
    "conv_transpose_output_size",
    "label_maps",
]

_close = functools.partial(checking.close, rtol=1e-5, atol=1e-8)
# for recognising a mistake
_loose = functools.partial(checking.close, rtol=1e-4, atol=1e-8)
# The checkers below report NaN and infinite losses themselves (logits fed to a log).
_numbers = functools.partial(checking.numbers, finite=False)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _bce_logits(target, logits):
    """Mean binary cross-entropy from logits: -[t log s(l) + (1 - t) log(1 - s(l))],
    stable."""
    return float(
        np.mean(
            theory.bce_with_logits(logits, np.broadcast_to(target, np.shape(logits)))
        )
    )


def _scalar_shape(out, right, case) -> str:
    if np.ndim(out) == 1 and np.shape(out) == np.shape(case.args[0]):
        return "returned one loss per example: take the mean over the batch"
    return f"returned shape {np.shape(out)}, expected a single number"


# --------------------------------------------------------------------------
# Discriminator loss with one-sided label smoothing
# --------------------------------------------------------------------------

_REAL_LOGITS = np.array([2.0, 0.5, -1.0, 3.0, 1.5, -0.5])
_FAKE_LOGITS = np.array([-2.0, 0.3, -3.0, 1.0, -0.5, -1.5])


def reference_discriminator_loss(
    real_logits, fake_logits, label_smoothing=0.0
) -> float:
    """``BCE(real, 1 - label_smoothing) + BCE(fake, 0)``, each averaged over the
    batch."""
    real_logits, fake_logits = (
        np.asarray(real_logits, float),
        np.asarray(fake_logits, float),
    )
    return _bce_logits(1.0 - label_smoothing, real_logits) + _bce_logits(
        0.0, fake_logits
    )


def _d_loss_cases() -> list[Case]:
    rng = checking.fresh_rng()
    s = round(float(rng.uniform(0.05, 0.25)), 3)
    return [
        Case((_REAL_LOGITS, _FAKE_LOGITS, 0.0), "with label_smoothing=0"),
        Case((_REAL_LOGITS, _FAKE_LOGITS, 0.1), "with label_smoothing=0.1"),
        Case(
            (rng.normal(1, 2, 8), rng.normal(-1, 2, 8), 0.0),
            "on random logits, label_smoothing=0",
        ),
        Case(
            (rng.normal(1, 2, 7), rng.normal(-1, 2, 7), s),
            f"on random logits, label_smoothing={s}",
        ),
    ]


_D_LOSS_MISTAKES = {
    "the fake term is missing: D must also learn to say 'fake', -mean(log(1 - "
    "D(G(z))))": lambda r, f, s: _bce_logits(1 - s, r),
    "the real term is missing: D must also "
    "learn to say 'real', -mean(log D(x))": lambda r, f, s: _bce_logits(0.0, f),
    "your loss has the wrong sign: D minimises the cross-entropy -[log D(x) + log(1 - "
    "D(G(z)))]": lambda r, f, s: -reference_discriminator_loss(r, f, s),
    "the targets are swapped: real images get "
    "target 1 (or 1 - s) and fakes get 0": lambda r, f, s: (
        _bce_logits(0.0, r) + _bce_logits(1.0, f)
    ),
    "the fakes get the real target: D learns to call everything real, which tells G "
    "nothing; "
    "the fake target is 0": lambda r, f, s: (
        _bce_logits(1 - s, r) + _bce_logits(1 - s, f)
    ),
    "label smoothing is one-sided (Salimans et al., 2016): only the real target moves "
    "to 1 - s; "
    "the fake target stays 0, or "
    "D rewards G's samples": lambda r, f, s: _bce_logits(1 - s, r) + _bce_logits(s, f),
    "the real target must be 1 - label_smoothing (e.g. 0.9), not label_smoothing "
    "itself": lambda r, f, s: _bce_logits(s, r) + _bce_logits(0.0, f),
    "label_smoothing is ignored: with s = "
    "0.1 the real target becomes 0.9": lambda r, f, s: reference_discriminator_loss(
        r, f, 0.0
    ),
    "you summed over the batch: take the mean": lambda r, f, s: (
        len(r) * _bce_logits(1 - s, r) + len(f) * _bce_logits(0.0, f)
    ),
    "you used D(x) where log D(x) belongs (L_D = -E[D(x)] - E[-log D(G(z))] is a "
    "known wrong formula): "
    "both terms are log-likelihoods": lambda r, f, s: (
        -(1 - s) * np.mean(theory.sigmoid(r)) + np.mean(np.log(theory.sigmoid(f)))
    ),
    "you averaged the two terms: L_D is their "
    "sum (mean over the batch of each)": lambda r, f, s: (
        reference_discriminator_loss(r, f, s) / 2
    ),
}


def _d_loss_diagnose(outs, rights, cases):
    if not all(np.all(np.isfinite(o)) for o in outs):
        return ["your loss is NaN or infinite: the inputs are logits (any real "
                "number), not probabilities; "
                "apply the sigmoid first, or better "
                "use log D = -softplus(-logit)"]  # fmt: skip
    unsmoothed = [i for i, c in enumerate(cases) if c.args[2] == 0]
    smoothed = [i for i, c in enumerate(cases) if c.args[2] != 0]
    if all(_close(outs[i], rights[i]) for i in unsmoothed):
        i = next(i for i in smoothed if not _close(outs[i], rights[i]))
        return [f"right without smoothing, but {cases[i].where} yours is "
                f"{float(outs[i]):.5f}, "
                f"{expected(f'{rights[i]:.5f}')}: only the real target changes, to 1 "
                "- s"]  # fmt: skip
    return []


@checking.checker
def check_discriminator_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(real_logits, fake_logits, label_smoothing) -> L_D``, a single number.

    ``L_D = -mean[t log D(x) + (1 - t) log(1 - D(x))] - mean[log(1 - D(G(z)))]`` with
    ``D = sigmoid(logit)`` and the real target ``t = 1 - label_smoothing``.
    """
    return checking.judge(
        "Discriminator loss",
        fn,
        _d_loss_cases(),
        reference_discriminator_loss,
        same=_close,
        convert=_numbers,
        shape=_scalar_shape,
        mistakes=_D_LOSS_MISTAKES,
        mistake_same=_loose,
        diagnose=_d_loss_diagnose,
        hints=[
            "L_D = BCE(real_logits, target 1 - s) + BCE(fake_logits, target 0), "
            "each a mean over the batch"
        ],
        quiet=True,
        show=show,
    )


# --------------------------------------------------------------------------
# Generator loss: non-saturating and minimax
# --------------------------------------------------------------------------

_G_LOGITS = np.array([-4.0, -2.0, -0.5, 0.0, 1.0, 2.5])
GENERATOR_LOSSES = ("non_saturating", "minimax")


def reference_generator_loss(fake_logits, loss="non_saturating") -> float:
    """Non-saturating ``-mean(log D(G(z)))`` or minimax ``mean(log(1 - D(G(z))))``, from
    D's logits."""
    fake_logits = np.asarray(fake_logits, float)
    if loss == "non_saturating":
        return float(np.mean(_softplus(-fake_logits)))  # -log sigmoid(l) = softplus(-l)
    if loss == "minimax":
        # log(1 - sigmoid(l)) = -softplus(l)
        return float(np.mean(-_softplus(fake_logits)))
    raise ValueError(f"loss must be one of {GENERATOR_LOSSES}; got {loss!r}")


def _g_loss_cases() -> list[Case]:
    rng = checking.fresh_rng()
    random_logits = rng.normal(-1, 2, 9)
    cases = [Case((_G_LOGITS, kind), f"loss={kind!r}") for kind in GENERATOR_LOSSES]
    return cases + [
        Case((random_logits, kind), f"loss={kind!r} on random logits")
        for kind in GENERATOR_LOSSES
    ]


_G_LOSS_MISTAKES = {
    "non_saturating": {
        "that is the minimax loss log(1 - D(G(z))): the non-saturating loss is -log "
        "D(G(z))": lambda f: reference_generator_loss(f, "minimax"),
        "wrong sign: the generator *minimises* "
        "-log D(G(z)) (it wants D(G(z)) near 1)": lambda f: (
            -reference_generator_loss(f)
        ),
        "that is -log(1 - D(G(z))), the discriminator's fake term: G minimises -log "
        "D(G(z))": lambda f: -reference_generator_loss(f, "minimax"),
        "you summed over the batch: take the mean": lambda f: (
            len(f) * reference_generator_loss(f)
        ),
        "you used D(G(z)) where log D(G(z)) "
        "belongs: the loss is -mean(log D(G(z)))": lambda f: (
            -float(np.mean(theory.sigmoid(f)))
        ),
    },
    "minimax": {
        "that is the non-saturating loss -log D(G(z)): the minimax generator "
        "minimises log(1 - D(G(z)))": reference_generator_loss,
        "wrong sign: in the minimax game G minimises +log(1 - D(G(z))), the term D "
        "maximises": lambda f: -reference_generator_loss(f, "minimax"),
        "that is log D(G(z)) with a plus sign: the minimax loss is mean(log(1 - "
        "D(G(z))))": lambda f: -reference_generator_loss(f),
        "you summed over the batch: take the mean": lambda f: (
            len(f) * reference_generator_loss(f, "minimax")
        ),
    },
}


def _g_loss_diagnose(outs, rights, cases):
    if not all(np.all(np.isfinite(o)) for o in outs):
        kind = next(
            c.args[1] for o, c in zip(outs, cases) if not np.all(np.isfinite(o))
        )
        return [
            f"loss={kind!r}: NaN or infinite: the inputs are logits, not "
            "probabilities; apply the sigmoid first"
        ]
    if all(_close(outs[i], outs[i + 1]) for i in range(0, len(outs), 2)):
        return [
            "you return the same value for both kinds: use the `loss` argument to "
            "choose the formula"
        ]
    problems = []
    for kind in GENERATOR_LOSSES:
        mine = [i for i, c in enumerate(cases) if c.args[1] == kind]
        if all(_close(outs[i], rights[i]) for i in mine):
            continue
        mine_cases = [Case((cases[i].args[0],)) for i in mine]
        message = checking.match_mistake(
            [outs[i] for i in mine], mine_cases, _G_LOSS_MISTAKES[kind], _loose
        )
        if message:
            problems.append(f"loss={kind!r}: {message}")
        else:
            i = next(i for i in mine if not _close(outs[i], rights[i]))
            problems.append(
                f"{cases[i].where}: your loss is {float(outs[i]):.5f}, "
                f"{expected(f'{rights[i]:.5f}')}"
            )
    return problems


@checking.checker
def check_generator_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(fake_logits, loss) -> L_G`` for ``loss`` in ``"non_saturating"``,
    ``"minimax"``."""
    return checking.judge(
        "Generator loss",
        fn,
        _g_loss_cases(),
        reference_generator_loss,
        same=_close,
        convert=_numbers,
        shape=lambda out, right, case: (
            f"loss={case.args[1]!r}: " + _scalar_shape(out, right, case)
        ),
        diagnose=_g_loss_diagnose,
        hints=[
            "non-saturating: -mean(log D(G(z))); minimax: mean(log(1 - D(G(z)))); "
            "D = sigmoid(logit)"
        ],
        quiet=True,
        show=show,
    )


# --------------------------------------------------------------------------
# High-quality fraction of 2-D samples (ring of Gaussians)
# --------------------------------------------------------------------------


def reference_high_quality_fraction(points, centres, std) -> float:
    """Fraction of ``points`` within ``3 * std`` (Euclidean) of their nearest centre."""
    points, centres = np.asarray(points, float), np.asarray(centres, float)
    # (N, modes)
    distances = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=-1)
    return float(np.mean(distances.min(axis=1) <= 3 * std))


# Distances (in std) chosen so that each wrong rule gives another answer.
_RADII = np.array(
    [0.5, 1.2, 1.8, 2.5, 2.9, 0.2, 4.0, 6.0, 1.5, 2.2, 9.0, 0.8, 2.7, 3.5, 1.0, 20.0]
)


def _quality_case(rng=None, modes: int = 4, std: float = 0.05, radii=_RADII):
    """Points at chosen distances (in std) from ``modes`` centres on a circle of radius
    2."""
    rng = rng or np.random.default_rng(0)
    angles = np.arange(modes) * 2 * np.pi / modes
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    angle = rng.uniform(0, 2 * np.pi, len(radii))
    which = np.arange(len(radii)) % modes
    offsets = std * radii[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres[which] + offsets, centres, std


def _quality_cases() -> list[Case]:
    rng = checking.fresh_rng()
    return [
        Case(_quality_case(), "on the chosen points"),
        Case(
            _quality_case(rng, modes=8, std=0.04, radii=rng.permutation(_RADII)),
            "on random points around 8 modes",
        ),
        # Another number of good points than the chosen 11 of 16, so that no count or
        # fraction repeats.
        Case(
            _quality_case(
                rng,
                modes=6,
                std=0.06,
                radii=rng.permutation(
                    np.r_[
                        rng.uniform(0.1, 2.8, rng.integers(3, 9)),
                        rng.uniform(3.2, 8.0, 14),
                    ]
                ),
            ),
            "on random points around 6 modes",
        ),
    ]


def _distances(points, centres):
    return np.linalg.norm(points[:, None] - centres[None], axis=-1)


_QUALITY_MISTAKES = {
    "you returned a count: divide by the "
    "number of points to get a fraction": lambda p, c, s: float(
        np.sum(_distances(p, c).min(1) <= 3 * s)
    ),
    "the radius is 3 std (three standard deviations), not 1 std": lambda p, c, s: float(
        np.mean(_distances(p, c).min(1) <= s)
    ),
    "the radius is 3 std, not 2 std": lambda p, c, s: float(
        np.mean(_distances(p, c).min(1) <= 2 * s)
    ),
    "you compared squared distances with 3 std: take the square root (or compare with "
    "(3 std)^2)": lambda p, c, s: float(
        np.mean((_distances(p, c) ** 2).min(1) <= 3 * s)
    ),
    "measure each point against its *nearest* centre, not the mean distance to all "
    "centres": lambda p, c, s: float(np.mean(_distances(p, c).mean(1) <= 3 * s)),
    "you returned the fraction of *bad* points (farther than 3 std): return the good "
    "ones": lambda p, c, s: float(np.mean(_distances(p, c).min(1) > 3 * s)),
}


def _quality_shape(out, right, case) -> str:
    if np.shape(out) == (len(case.args[0]),):
        return (
            "returned one value per point: return the fraction (the mean over points)"
        )
    return f"returned shape {np.shape(out)}, expected a single number"


@checking.checker
def check_high_quality_fraction(fn, show: bool = True) -> Feedback:
    """Check ``fn(points, centres, std) -> fraction of points within 3 std of their
    nearest centre``."""
    return checking.judge(
        "High-quality fraction",
        fn,
        _quality_cases(),
        reference_high_quality_fraction,
        same=functools.partial(checking.close, rtol=0, atol=1e-9),
        shape=_quality_shape,
        mistakes=_QUALITY_MISTAKES,
        differs_hints=[
            "distances = np.linalg.norm(points[:, None] - centres[None], "
            "axis=-1); "
            "np.mean(distances.min(axis=1) <= 3 * std)"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# DCGAN: the size a transposed convolution produces
# --------------------------------------------------------------------------


def conv_transpose_output_size(
    size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
) -> int:
    """Side of a transposed convolution's output (PyTorch's ``ConvTranspose2d``,
    dilation 1).

    ``(size - 1) * stride - 2 * padding + kernel_size + output_padding``: each input
    pixel paints a ``kernel_size`` patch, ``stride`` apart, and ``padding`` is cut from
    both sides.
    """
    return (size - 1) * stride - 2 * padding + kernel_size + output_padding


def _transpose_cases() -> list[Case]:
    rng = checking.fresh_rng()
    cases = [
        (7, 4, 2, 1, 0),
        (14, 4, 2, 1, 0),
        (4, 3, 2, 1, 1),
        (1, 4, 1, 0, 0),
        (5, 5, 3, 2, 0),
    ]
    stride = int(rng.integers(1, 4))
    cases.append(
        (
            int(rng.integers(2, 30)),
            int(rng.integers(2, 7)),
            stride,
            int(rng.integers(0, 3)),
            int(rng.integers(0, stride)),
        )
    )
    return [
        Case(
            c,
            "for size={}, kernel_size={}, stride={}, padding={}, "
            "output_padding={}".format(*c),
        )
        for c in cases
    ]


_TRANSPOSE_MISTAKES = {
    "that is the size after an ordinary (forward) convolution, floor((size + 2 "
    "padding - kernel) / stride) + 1; "
    "a transposed convolution "
    "goes the other way": lambda n, k, s, p, op: (n + 2 * p - k) // s + 1,
    "you multiplied size by stride: the formula starts from (size - 1) * stride, the "
    "positions of the input pixels": lambda n, k, s, p, op: n * s - 2 * p + k + op,
    "padding is cut from both sides: subtract 2 * padding": lambda n, k, s, p, op: (
        (n - 1) * s - p + k + op
    ),
    "you added the padding; in a transposed convolution padding removes pixels from "
    "the border": lambda n, k, s, p, op: (n - 1) * s + 2 * p + k + op,
    "output_padding is missing: it adds rows on one side, to tell apart inputs that a "
    "stride maps to one size": lambda n, k, s, p, op: (n - 1) * s - 2 * p + k,
    "stride times size is only the rough size; add kernel_size - stride - 2 padding "
    "(+ output_padding)": lambda n, k, s, p, op: n * s,
}


@checking.checker
def check_conv_transpose_size(fn, show: bool = True) -> Feedback:
    """Check ``fn(size, kernel_size, stride, padding, output_padding) -> int``: a
    transposed convolution's output side."""
    return checking.judge(
        "Transposed convolution size",
        fn,
        _transpose_cases(),
        conv_transpose_output_size,
        same=functools.partial(checking.close, rtol=0, atol=1e-9),
        shape=lambda out, right, case: (
            f"returned shape {np.shape(out)}, expected one number (the side in pixels)"
        ),
        mistakes=_TRANSPOSE_MISTAKES,
        differs_hints=[
            "(size - 1) * stride - 2 * padding + kernel_size + output_padding"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# Conditional GAN: the label as extra input channels
# --------------------------------------------------------------------------


def label_maps(images, labels, num_classes: int) -> np.ndarray:
    """``(N, 1, H, W)`` images and ``(N,)`` labels -> ``(N, 1 + K, H, W)``: the image,
    then K constant maps.

    Map ``k`` is all ones where the image's label is ``k`` and all zeros otherwise, so a
    convolution sees the label at every pixel (as the package's conditional
    discriminators do).
    """
    images, labels = np.asarray(images, float), np.asarray(labels)
    one_hot = np.eye(num_classes)[labels]  # (N, K)
    # (N, K, H, W)
    maps = np.broadcast_to(
        one_hot[:, :, None, None], (len(images), num_classes, *images.shape[2:])
    )
    return np.concatenate([images, maps], axis=1)


def _label_cases() -> list[Case]:
    rng = checking.fresh_rng()
    n, k, side = (
        int(rng.integers(3, 7)),
        int(rng.integers(3, 11)),
        int(rng.integers(2, 6)),
    )
    fixed = np.random.default_rng(3).uniform(-1, 1, (4, 1, 3, 3))
    return [
        Case((fixed, np.array([0, 2, 1, 2]), 3), "for 4 images 3x3 and 3 classes"),
        Case((fixed[:2], np.array([9, 4]), 10), "for 2 images and 10 classes"),
        Case(
            (rng.uniform(-1, 1, (n, 1, side, side)), rng.integers(0, k, n), k),
            f"for {n} random images {side}x{side} and {k} classes",
        ),
    ]


def _maps(images, values):
    """Images followed by constant maps of ``values`` (N, M)."""
    return np.concatenate(
        [
            images,
            np.broadcast_to(
                values[:, :, None, None],
                (len(images), values.shape[1], *images.shape[2:]),
            ),
        ],
        axis=1,
    )


_LABEL_MISTAKES = {
    "the label maps come first: keep the image as channel 0 and append the K maps "
    "after it": lambda x, y, k: np.concatenate([label_maps(x, y, k)[:, 1:], x], axis=1),
    "the one-hot maps are off by one: map k "
    "is 1 for label k, counting from 0": lambda x, y, k: (
        _maps(x, np.eye(k + 1)[y + 1][:, :k]) if k else None
    ),
    "the maps are inverted: 1 for the image's "
    "own label, 0 for the other classes": lambda x, y, k: _maps(x, 1 - np.eye(k)[y]),
}


def _label_shape(out, right, case) -> str:
    images, labels, k = case.args
    n, _, h, w = images.shape
    shapes = {
        (n, h, w, 1 + k): "channels last; this exercise uses PyTorch's layout (N, 1 + "
        "K, H, W)",
        (n, 2, h, w): "one map for the label: a number as a pixel value suggests that "
        "7 is 'more' than 3, use K one-hot maps",
        (n, k, h, w): "the label maps without the image: the discriminator must see "
        "both",
        (n, k): "one value per class and image: repeat each one-hot value over the "
        "image, a constant H x W map",
    }
    why = shapes.get(np.shape(out), "expected the image and one map per class")
    return f"returned shape {np.shape(out)} for {k} classes: {why}"


@checking.checker
def check_label_maps(fn, show: bool = True) -> Feedback:
    """Check ``fn(images, labels, num_classes) -> (N, 1 + K, H, W)``: the image followed
    by K one-hot constant maps."""
    return checking.judge(
        "Label maps",
        fn,
        _label_cases(),
        label_maps,
        same=functools.partial(checking.close, rtol=1e-7, atol=1e-9),
        shape=_label_shape,
        mistakes=_LABEL_MISTAKES,
        differs_hints=[
            "one_hot = np.eye(num_classes)[labels]; broadcast to (N, K, H, "
            "W); "
            "np.concatenate([images, maps], axis=1)"
        ],
        show=show,
    )


def condition(h, labels, num_classes: int) -> np.ndarray:
    """``(N, D)`` vectors and ``(N,)`` labels -> ``(N, D + K)``: the one-hot label
    appended (Mirza & Osindero, 2014)."""
    h, labels = np.asarray(h, float), np.asarray(labels)
    return np.concatenate([h, np.eye(num_classes)[labels]], axis=1)


def _condition_cases() -> list[Case]:
    rng = checking.fresh_rng()
    n, d, k = int(rng.integers(3, 8)), int(rng.integers(2, 9)), int(rng.integers(3, 11))
    fixed = np.random.default_rng(4).standard_normal((4, 5))
    return [
        Case(
            (fixed, np.array([0, 2, 1, 2]), 3),
            "for 4 noise vectors of 5 numbers and 3 classes",
        ),
        Case((fixed[:2], np.array([9, 4]), 10), "for 2 noise vectors and 10 classes"),
        Case(
            (rng.standard_normal((n, d)), rng.integers(0, k, n), k),
            f"for {n} random vectors of {d} numbers and {k} classes",
        ),
    ]


_CONDITION_MISTAKES = {
    "the one-hot label comes first: append it after the noise, as the package's first "
    "layer expects": lambda h, y, k: np.concatenate([np.eye(k)[y], h], axis=1),
    "the one-hot code is off by one: position "
    "k is 1 for label k, counting from 0": lambda h, y, k: np.concatenate(
        [h, np.eye(k + 1)[y + 1][:, :k]], axis=1
    ),
    "the one-hot code is inverted: 1 at "
    "the label's position, 0 elsewhere": lambda h, y, k: np.concatenate(
        [h, 1 - np.eye(k)[y]], axis=1
    ),
}


def _condition_shape(out, right, case) -> str:
    h, labels, k = case.args
    n, d = h.shape
    shapes = {
        (n, d + 1): "you appended the label as one number; a number suggests that 7 "
        "is 'more' than 3: append its one-hot code, K numbers",
        (n, k): "you returned the one-hot code alone: append it to the vectors",
        (d + k, n): "the result is transposed: one row per sample, (N, D + K)",
    }
    return f"returned shape {np.shape(out)}: " + shapes.get(
        np.shape(out), f"expected {right.shape}, the vector and K one-hot numbers"
    )


@checking.checker
def check_condition(fn, show: bool = True) -> Feedback:
    """Check ``fn(h, labels, num_classes) -> (N, D + K)``: the one-hot label appended to
    each vector."""
    return checking.judge(
        "Conditioning by concatenation",
        fn,
        _condition_cases(),
        condition,
        same=functools.partial(checking.close, rtol=1e-7, atol=1e-9),
        shape=_condition_shape,
        mistakes=_CONDITION_MISTAKES,
        differs_hints=["np.concatenate([h, np.eye(num_classes)[labels]], axis=1)"],
        show=show,
    )
