"""Checkers for the exercises of chapter 2, "Generative adversarial networks".

Each checker calls the reader's NumPy function on a few chosen inputs, compares
it with a reference written here, and recognises the usual mistakes so that it
can say what is wrong::

    from aigc_course.exercises import gan as ex
    ex.check_discriminator_loss(my_d_loss)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course import theory
from aigc_course.exercises import _checking as checking
from aigc_course.exercises._feedback import Feedback, feedback

__all__ = [
    "check_discriminator_loss",
    "check_generator_loss",
    "check_high_quality_fraction",
]


def _call(name: str, fn, *args):
    """:func:`checking.call` on the reader's function, which ``name`` names in the problem.

    The checkers below report NaN and infinite losses themselves (logits fed
    to a log), so those pass through; a missing ``return`` is spelled out.
    """
    returned = []

    def run(*inputs):
        returned.append(fn(*inputs))
        return returned[-1]

    out, problem = checking.call(run if callable(fn) else fn, *args, finite=False, quiet=True)
    if problem is None and returned[-1] is None:
        out, problem = None, "your function returned None: did you forget the `return`?"
    return out, problem and problem.replace("your function", name, 1)


_close = functools.partial(checking.close, rtol=1e-5, atol=1e-8)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _bce_logits(target, logits):
    """Mean binary cross-entropy from logits: -[t log s(l) + (1 - t) log(1 - s(l))], stable."""
    return float(np.mean(theory.bce_with_logits(logits, np.broadcast_to(target, np.shape(logits)))))


# --------------------------------------------------------------------------
# Discriminator loss with one-sided label smoothing
# --------------------------------------------------------------------------

_REAL_LOGITS = np.array([2.0, 0.5, -1.0, 3.0, 1.5, -0.5])
_FAKE_LOGITS = np.array([-2.0, 0.3, -3.0, 1.0, -0.5, -1.5])


def reference_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0) -> float:
    """``BCE(real, 1 - label_smoothing) + BCE(fake, 0)``, each averaged over the batch."""
    real_logits, fake_logits = np.asarray(real_logits, float), np.asarray(fake_logits, float)
    return _bce_logits(1.0 - label_smoothing, real_logits) + _bce_logits(0.0, fake_logits)


def check_discriminator_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(real_logits, fake_logits, label_smoothing) -> L_D``, a single number.

    ``L_D = -mean[t log D(x) + (1 - t) log(1 - D(x))] - mean[log(1 - D(G(z)))]`` with
    ``D = sigmoid(logit)`` and the real target ``t = 1 - label_smoothing``.
    """
    name = "Discriminator loss"
    problems, hints = [], ["L_D = BCE(real_logits, target 1 - s) + BCE(fake_logits, target 0), each a mean over the batch"]
    outs = {}
    for s in (0.0, 0.1):
        out, problem = _call("your function", fn, _REAL_LOGITS.copy(), _FAKE_LOGITS.copy(), s)
        if problem:
            return feedback(name, [problem], show=show)
        outs[s] = out
    right = {s: reference_discriminator_loss(_REAL_LOGITS, _FAKE_LOGITS, s) for s in outs}
    if any(out.shape != () for out in outs.values()):
        shape = outs[0.0].shape
        if shape == _REAL_LOGITS.shape:
            return feedback(name, ["returned one loss per example: take the mean over the batch"], hints, show=show)
        return feedback(name, [f"returned shape {shape}, expected a single number"], hints, show=show)
    if not all(np.isfinite(out) for out in outs.values()):
        return feedback(
            name,
            ["your loss is NaN or infinite: the inputs are logits (any real number), not probabilities; "
             "apply the sigmoid first, or better use log D = -softplus(-logit)"],
            hints, show=show,
        )  # fmt: skip
    if _close(outs[0.0], right[0.0]) and _close(outs[0.1], right[0.1]):
        return feedback(name, [], show=show)

    def with_smoothing(real_t, fake_t, r=_REAL_LOGITS, f=_FAKE_LOGITS):
        return _bce_logits(real_t, r) + _bce_logits(fake_t, f)

    r_p, f_p = theory.sigmoid(_REAL_LOGITS), theory.sigmoid(_FAKE_LOGITS)
    candidates = [
        # (message, value at s=0, value at s=0.1 or None for "any")
        ("the fake term is missing: D must also learn to say 'fake', -mean(log(1 - D(G(z))))",
         _bce_logits(1.0, _REAL_LOGITS), _bce_logits(0.9, _REAL_LOGITS)),
        ("the real term is missing: D must also learn to say 'real', -mean(log D(x))",
         _bce_logits(0.0, _FAKE_LOGITS), _bce_logits(0.0, _FAKE_LOGITS)),
        ("your loss has the wrong sign: D minimises the cross-entropy -[log D(x) + log(1 - D(G(z)))]",
         -right[0.0], -right[0.1]),
        ("the targets are swapped: real images get target 1 (or 1 - s) and fakes get 0",
         with_smoothing(0.0, 1.0), None),
        ("label smoothing is one-sided (Salimans et al., 2016): only the real target moves to 1 - s; "
         "the fake target stays 0, or D rewards G's samples", right[0.0], with_smoothing(0.9, 0.1)),
        ("the real target must be 1 - label_smoothing (e.g. 0.9), not label_smoothing itself",
         with_smoothing(0.0, 0.0), with_smoothing(0.1, 0.0)),
        ("label_smoothing is ignored: with s = 0.1 the real target becomes 0.9", right[0.0], right[0.0]),
        ("you summed over the batch: take the mean", len(_REAL_LOGITS) * right[0.0], len(_REAL_LOGITS) * right[0.1]),
        ("you used D(x) where log D(x) belongs (L_D = -E[D(x)] - E[-log D(G(z))] is a known wrong formula): "
         "both terms are log-likelihoods", -np.mean(r_p) + np.mean(np.log(f_p)), -0.9 * np.mean(r_p) + np.mean(np.log(f_p))),
        ("you averaged the two terms: L_D is their sum (mean over the batch of each)", right[0.0] / 2, right[0.1] / 2),
    ]  # fmt: skip
    for message, at0, at1 in candidates:
        if _close(outs[0.0], at0, rtol=1e-4) and (at1 is None or _close(outs[0.1], at1, rtol=1e-4)):
            problems.append(message)
            break
    if not problems:
        if _close(outs[0.0], right[0.0]):
            problems.append(
                f"right without smoothing, but with label_smoothing=0.1 yours is {float(outs[0.1]):.5f}, "
                f"expected {right[0.1]:.5f}: only the real target changes, to 1 - s"
            )
        else:
            problems.append(f"with label_smoothing=0 your loss is {float(outs[0.0]):.5f}, expected {right[0.0]:.5f}")
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# Generator loss: non-saturating and minimax
# --------------------------------------------------------------------------

_G_LOGITS = np.array([-4.0, -2.0, -0.5, 0.0, 1.0, 2.5])
GENERATOR_LOSSES = ("non_saturating", "minimax")


def reference_generator_loss(fake_logits, loss="non_saturating") -> float:
    """Non-saturating ``-mean(log D(G(z)))`` or minimax ``mean(log(1 - D(G(z))))``, from D's logits."""
    fake_logits = np.asarray(fake_logits, float)
    if loss == "non_saturating":
        return float(np.mean(_softplus(-fake_logits)))  # -log sigmoid(l) = softplus(-l)
    if loss == "minimax":
        return float(np.mean(-_softplus(fake_logits)))  # log(1 - sigmoid(l)) = -softplus(l)
    raise ValueError(f"loss must be one of {GENERATOR_LOSSES}; got {loss!r}")


def check_generator_loss(fn, show: bool = True) -> Feedback:
    """Check ``fn(fake_logits, loss) -> L_G`` for ``loss`` in ``"non_saturating"``, ``"minimax"``."""
    name = "Generator loss"
    hints = ["non-saturating: -mean(log D(G(z))); minimax: mean(log(1 - D(G(z)))); D = sigmoid(logit)"]
    outs = {}
    for kind in GENERATOR_LOSSES:
        out, problem = _call(f"your function (loss={kind!r})", fn, _G_LOGITS.copy(), kind)
        if problem:
            return feedback(name, [problem], show=show)
        if out.shape != ():
            if out.shape == _G_LOGITS.shape:
                return feedback(name, [f"loss={kind!r}: returned one loss per example: take the mean over the batch"], hints, show=show)
            return feedback(name, [f"loss={kind!r}: returned shape {out.shape}, expected a single number"], hints, show=show)
        if not np.isfinite(out):
            return feedback(
                name,
                [f"loss={kind!r}: NaN or infinite: the inputs are logits, not probabilities; apply the sigmoid first"],
                hints, show=show,
            )  # fmt: skip
        outs[kind] = float(out)
    right = {kind: reference_generator_loss(_G_LOGITS, kind) for kind in GENERATOR_LOSSES}
    ns, mm = right["non_saturating"], right["minimax"]
    n = len(_G_LOGITS)
    messages = {
        "non_saturating": {
            "that is the minimax loss log(1 - D(G(z))): the non-saturating loss is -log D(G(z))": mm,
            "wrong sign: the generator *minimises* -log D(G(z)) (it wants D(G(z)) near 1)": -ns,
            "that is -log(1 - D(G(z))), the discriminator's fake term: G minimises -log D(G(z))": -mm,
            "you summed over the batch: take the mean": n * ns,
            "you used D(G(z)) where log D(G(z)) belongs: the loss is -mean(log D(G(z)))": -float(np.mean(theory.sigmoid(_G_LOGITS))),
        },
        "minimax": {
            "that is the non-saturating loss -log D(G(z)): the minimax generator minimises log(1 - D(G(z)))": ns,
            "wrong sign: in the minimax game G minimises +log(1 - D(G(z))), the term D maximises": -mm,
            "that is log D(G(z)) with a plus sign: the minimax loss is mean(log(1 - D(G(z))))": -ns,
            "you summed over the batch: take the mean": n * mm,
        },
    }
    if abs(outs["minimax"] - outs["non_saturating"]) < 1e-12:
        return feedback(
            name, ["you return the same value for both kinds: use the `loss` argument to choose the formula"], hints, show=show
        )
    problems = []
    for kind in GENERATOR_LOSSES:
        if abs(outs[kind] - right[kind]) <= 1e-6 * max(1.0, abs(right[kind])):
            continue
        for message, wrong in messages[kind].items():
            if abs(outs[kind] - wrong) <= 1e-4 * max(1.0, abs(wrong)):
                problems.append(f"loss={kind!r}: {message}")
                break
        else:
            problems.append(f"loss={kind!r}: your loss is {outs[kind]:.5f}, expected {right[kind]:.5f}")
    return feedback(name, problems, hints, show=show)


# --------------------------------------------------------------------------
# High-quality fraction of 2-D samples (ring of Gaussians)
# --------------------------------------------------------------------------


def reference_high_quality_fraction(points, centres, std) -> float:
    """Fraction of ``points`` within ``3 * std`` (Euclidean) of their nearest centre."""
    points, centres = np.asarray(points, float), np.asarray(centres, float)
    distances = np.linalg.norm(points[:, None, :] - centres[None, :, :], axis=-1)  # (N, modes)
    return float(np.mean(distances.min(axis=1) <= 3 * std))


def _quality_case():
    """Points at chosen distances from 4 centres on a circle of radius 2 (std 0.05)."""
    rng = np.random.default_rng(0)
    centres = 2.0 * np.stack([np.cos(np.arange(4) * np.pi / 2), np.sin(np.arange(4) * np.pi / 2)], axis=1)
    # Distances (in std) chosen so that each wrong rule gives another answer.
    radii = np.array([0.5, 1.2, 1.8, 2.5, 2.9, 0.2, 4.0, 6.0, 1.5, 2.2, 9.0, 0.8, 2.7, 3.5, 1.0, 20.0])
    angle = rng.uniform(0, 2 * np.pi, len(radii))
    which = np.arange(len(radii)) % 4
    offsets = 0.05 * radii[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres[which] + offsets, centres, 0.05


def check_high_quality_fraction(fn, show: bool = True) -> Feedback:
    """Check ``fn(points, centres, std) -> fraction of points within 3 std of their nearest centre``."""
    name = "High-quality fraction"
    points, centres, std = _quality_case()
    hints = ["distances = np.linalg.norm(points[:, None] - centres[None], axis=-1); np.mean(distances.min(axis=1) <= 3 * std)"]
    out, problem = _call("your function", fn, points.copy(), centres.copy(), std)
    if problem:
        return feedback(name, [problem], show=show)
    right = reference_high_quality_fraction(points, centres, std)
    if out.shape != ():
        if out.shape == (len(points),):
            return feedback(name, ["returned one value per point: return the fraction (the mean over points)"], hints, show=show)
        return feedback(name, [f"returned shape {out.shape}, expected a single number"], hints, show=show)
    value = float(out)
    if abs(value - right) < 1e-9:
        return feedback(name, [], show=show)
    d = np.linalg.norm(points[:, None] - centres[None], axis=-1)
    candidates = {
        "you returned a count: divide by the number of points to get a fraction": float(np.sum(d.min(1) <= 3 * std)),
        "the radius is 3 std (three standard deviations), not 1 std": float(np.mean(d.min(1) <= std)),
        "the radius is 3 std, not 2 std": float(np.mean(d.min(1) <= 2 * std)),
        "you compared squared distances with 3 std: take the square root (or compare with (3 std)^2)": float(
            np.mean((d**2).min(1) <= 3 * std)
        ),
        "measure each point against its *nearest* centre, not the mean distance to all centres": float(
            np.mean(d.mean(1) <= 3 * std)
        ),
        "you returned the fraction of *bad* points (farther than 3 std): return the good ones": float(np.mean(d.min(1) > 3 * std)),
    }
    problems = [m for m, wrong in candidates.items() if abs(value - wrong) < 1e-9][:1]
    if not problems:
        problems.append(f"your fraction is {value:.4f}, expected {right:.4f}")
    return feedback(name, problems, hints, show=show)
