"""Checkers for the exercises of chapter 1, "Concepts".

Each checker compares the reader's answer with the reference and says what is
wrong, not only whether it is::

    from aigc_course.exercises import concepts as ex
    ex.check_task_types({"write a poem from a title": "generative", ...})
    ex.check_bayes_posterior(my_posterior)
    ex.check_pipeline_order(my_order)
"""

from __future__ import annotations

import functools

import numpy as np

from aigc_course.exercises import _checking as checking
from aigc_course.exercises._checking import Case
from aigc_course.exercises._feedback import Feedback, feedback, grading

__all__ = [
    "PIPELINE_STEPS",
    "TASKS",
    "check_bayes_posterior",
    "check_pipeline_order",
    "check_task_types",
    "gaussian_pdf",
]

# --------------------------------------------------------------------------
# Generative or discriminative?
# --------------------------------------------------------------------------

# task -> (right answer, why)
_TASKS = {
    "tell whether an e-mail is spam": (
        "discriminative",
        "it outputs a label for a given input, p(spam | e-mail); it never has to "
        "write an e-mail",
    ),
    "write a product description from a list of features": (
        "generative",
        "it produces new text, i.e. samples from p(text | features)",
    ),
    "draw a new handwritten digit 7": (
        "generative",
        "it produces a new image, a sample from p(image | label=7)",
    ),
    "recognise which digit a handwritten image shows": (
        "discriminative",
        "it outputs a label, p(digit | image); the image is given",
    ),
    "fill in the missing part of a damaged photo (image repair)": (
        "generative",
        "it must produce plausible pixels, samples from p(missing pixels | visible "
        "pixels)",
    ),
    "detect whether a face in a video is a deepfake": (
        "discriminative",
        "it judges a given input, p(fake | video), like a GAN's discriminator; it "
        "generates nothing",
    ),
    "translate a Chinese sentence into English": (
        "generative",
        "it produces a new sentence token by token, samples from p(English | Chinese)",
    ),
    "predict tomorrow's sales figure from today's data": (
        "discriminative",
        "it outputs one prediction of a target given the input (regression); it does "
        "not model the data's distribution",
    ),
}
TASKS = tuple(_TASKS)
_KINDS = ("generative", "discriminative")


@checking.checker
def check_task_types(answers, show: bool = True) -> Feedback:
    """Check ``answers``: a dict mapping every task in :data:`TASKS` to ``"generative"``
    or ``"discriminative"``."""
    name = "Generative or discriminative"
    if not isinstance(answers, dict):
        return feedback(
            name,
            [
                "expected a dict "
                f"{{task: 'generative' or 'discriminative'}}, got "
                f"{type(answers).__name__}"
            ],
            show=show,
        )
    problems = []
    missing = [t for t in TASKS if t not in answers]
    unknown = [t for t in answers if t not in _TASKS]
    if missing:
        problems.append(
            f"{len(missing)} task(s) have no answer, e.g. {missing[0]!r}: "
            "use the strings of ex.TASKS as keys"
        )
    if unknown:
        problems.append(
            f"{unknown[0]!r} is not one of the tasks (ex.TASKS); check its spelling"
        )
    for task in TASKS:
        if task not in answers:
            continue
        given = str(answers[task]).strip().lower()
        right, why = _TASKS[task]
        if given not in _KINDS:
            problems.append(
                f"{task!r}: answer {answers[task]!r} is neither "
                "'generative' nor 'discriminative'"
            )
        elif given != right:  # while grading, the right answer is not given away
            problems.append(
                f"{task!r} is not {given}"
                if grading()
                else f"{task!r} is {right}, not {given}: {why}"
            )
    return feedback(
        name,
        problems,
        [
            "ask: does the task output a new sample x (generative) or a label/number y "
            "for a given x (discriminative)?"
        ],
        show=show,
    )


# --------------------------------------------------------------------------
# Bayes' rule with class-conditional Gaussians
# --------------------------------------------------------------------------


def gaussian_pdf(x, mean, cov) -> np.ndarray:
    """Density of N(mean, cov) at the rows of ``x`` (shape ``(N, d)``) -> ``(N,)``."""
    x, mean, cov = np.asarray(x, float), np.asarray(mean, float), np.asarray(cov, float)
    d = x.shape[1]
    diff = x - mean  # (N, d)
    # squared Mahalanobis distance
    maha = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)
    return np.exp(-0.5 * maha) / np.sqrt((2 * np.pi) ** d * np.linalg.det(cov))


_BAYES_X = np.array(
    [[0.0, 0.0], [1.0, 0.5], [-1.0, 1.0], [2.0, -1.0], [0.5, 2.0], [-2.0, -2.0]]
)
_BAYES_MEANS = np.array([[-1.0, 0.0], [1.0, 0.5], [0.0, 2.0]])
_BAYES_COVS = np.array(
    [[[1.0, 0.3], [0.3, 0.5]], [[0.6, 0.0], [0.0, 1.5]], [[2.0, -0.4], [-0.4, 0.8]]]
)
_BAYES_PRIORS = np.array([0.6, 0.3, 0.1])


def _reference_posterior(x, means, covs, priors) -> np.ndarray:
    # (N, K)
    joint = np.stack(
        [gaussian_pdf(x, m, c) * p for m, c, p in zip(means, covs, priors)], axis=1
    )
    return joint / joint.sum(axis=1, keepdims=True)


def _random_gaussians(rng, k: int, d: int = 2):
    means = rng.normal(0, 1.5, (k, d))
    factors = rng.normal(0, 0.6, (k, d, d))
    # symmetric, positive definite
    covs = factors @ factors.transpose(0, 2, 1) + 0.3 * np.eye(d)
    return means, covs, rng.dirichlet(np.ones(k) * 2)


def _bayes_cases() -> list[Case]:
    rng = checking.fresh_rng()
    cases = [
        Case(
            (_BAYES_X, _BAYES_MEANS, _BAYES_COVS, _BAYES_PRIORS),
            "on the chosen classes",
        )
    ]
    for k, n in ((3, 7), (4, 5)):
        means, covs, priors = _random_gaussians(rng, k)
        cases.append(
            Case(
                (rng.normal(0, 2, (n, 2)), means, covs, priors),
                f"on {k} random classes",
            )
        )
    return cases


def _joint(x, means, covs, priors, cov_of=lambda c: c):
    # (N, K)
    return np.stack(
        [gaussian_pdf(x, m, cov_of(c)) * p for m, c, p in zip(means, covs, priors)],
        axis=1,
    )


def _rows(a):
    return a / a.sum(axis=1, keepdims=True)


_BAYES_MISTAKES = {
    "you returned the joint p(x | y) p(y): divide each row by p(x) = sum_k p(x | k) "
    "p(k) so that it sums to 1": _joint,
    "you returned the likelihoods p(x | y): multiply by the priors p(y), then divide "
    "by p(x)": lambda x, m, c, p: _joint(x, m, c, np.ones_like(p)),
    "you left out the priors p(y): the "
    "rare classes must count less": lambda x, m, c, p: _rows(
        _joint(x, m, c, np.ones_like(p))
    ),
    "you normalised over the points (columns sum to 1): normalise each row, over the "
    "classes": lambda x, m, c, p: (
        _joint(x, m, c, p) / _joint(x, m, c, p).sum(axis=0, keepdims=True)
    ),
    "you returned log-probabilities: "
    "exponentiate (softmax of the log "
    "joint)": lambda x, m, c, p: np.log(_reference_posterior(x, m, c, p)),
    "you ignored the covariances (used the identity): each class has its own "
    "covariance matrix": lambda x, m, c, p: _rows(
        _joint(x, m, c, p, cov_of=lambda cov: np.eye(len(cov)))
    ),
    "covs are covariances (sigma^2), not "
    "standard deviations: do not square them": lambda x, m, c, p: _rows(
        _joint(x, m, c, p, cov_of=lambda cov: cov @ cov)
    ),
}


def _bayes_shape(out, right, case) -> str:
    n, k = right.shape
    if np.shape(out) == (k, n):
        return (
            f"returned shape {np.shape(out)}: one row per point and one column per "
            f"class is ({n}, {k}); transpose it"
        )
    return (
        f"returned shape {np.shape(out)}, expected ({n}, {k}): one row per point, "
        "one column per class"
    )


def _bayes_diagnose(outs, rights, cases):
    problems = []
    for out in outs:
        sums = out.sum(axis=1)
        if not np.allclose(sums, 1.0, atol=1e-6):
            problems.append(
                "rows must sum to 1 (a distribution over the classes), "
                f"yours sum to {checking.fmt(sums)}"
            )
            break
    if any(np.any(out < 0) for out in outs):
        problems.append("probabilities cannot be negative")
    return problems


@checking.checker
def check_bayes_posterior(fn, show: bool = True) -> Feedback:
    """Check ``fn(x, means, covs, priors) -> p(y | x)`` of shape ``(N, K)``.

    ``x`` is ``(N, d)``, ``means`` ``(K, d)``, ``covs`` ``(K, d, d)`` and
    ``priors`` ``(K,)``: a generative classifier with one Gaussian per class.
    """
    return checking.judge(
        "Bayes' rule posterior",
        fn,
        _bayes_cases(),
        _reference_posterior,
        same=functools.partial(checking.close, rtol=1e-5, atol=1e-8),
        shape=_bayes_shape,
        mistakes=_BAYES_MISTAKES,
        mistake_same=functools.partial(checking.close, rtol=1e-4, atol=1e-10),
        diagnose=_bayes_diagnose,
        hints=["p(y=k | x) = p(x | k) p(k) / sum_j p(x | j) p(j)"],
        quiet=True,
        show=show,
    )


# --------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------

_PIPELINE = (
    "collect and clean data",
    "split off held-out data",
    "train the model",
    "evaluate on held-out data",
    "apply the model",
    "monitor use and collect feedback",
)
_WHY = {
    (
        "collect and clean data",
        "split off held-out data",
    ): "you can only split data you have collected",
    ("split off held-out data", "train the model"): "split before training, or the "
    "test data leak into training "
    "and the evaluation measures memory, not generalisation",
    ("train the model", "evaluate on held-out data"): "there is nothing to evaluate "
    "before training",
    ("evaluate on held-out data", "apply the model"): "evaluate before you apply: "
    "nobody should deploy a model "
    "whose quality has not been measured",
    (
        "apply the model",
        "monitor use and collect feedback",
    ): "feedback comes from a model in use",
}
# The reader gets the steps shuffled (a fixed order, so the notebook output is stable).
PIPELINE_STEPS = tuple(_PIPELINE[i] for i in (3, 0, 5, 2, 4, 1))


@checking.checker
def check_pipeline_order(order, show: bool = True) -> Feedback:
    """Check ``order``: the six strings of :data:`PIPELINE_STEPS` in the order a project
    runs them."""
    name = "Pipeline order"
    if isinstance(order, str) or not hasattr(order, "__iter__"):
        return feedback(
            name,
            [
                "expected a list of the strings in ex.PIPELINE_STEPS, "
                f"got {type(order).__name__}"
            ],
            show=show,
        )
    order = list(order)
    problems = []
    unknown = [s for s in order if s not in _PIPELINE]
    missing = [s for s in _PIPELINE if s not in order]
    repeated = sorted({s for s in order if order.count(s) > 1 and s in _PIPELINE})
    if unknown:
        problems.append(
            f"{unknown[0]!r} is not one of ex.PIPELINE_STEPS; copy the strings exactly"
        )
    if missing:
        problems.append(f"missing step(s): {missing}")
    if repeated:
        problems.append(f"listed more than once: {repeated}")
    if problems:
        return feedback(name, problems, show=show)
    rank = {s: i for i, s in enumerate(order)}
    swapped = [
        (first, then, why)
        for (first, then), why in _WHY.items()
        if rank[first] > rank[then]
    ]
    if grading() and swapped:  # the right order is not given away
        problems.append(
            f"{len(swapped)} pair(s) of consecutive steps are in the wrong order"
        )
    else:
        problems += [
            f"{first!r} must come before {then!r}: {why}"
            for first, then, why in swapped
        ]
    return feedback(
        name,
        problems,
        [
            "data -> train -> evaluate -> apply, and the feedback from "
            "use starts the next round"
        ],
        show=show,
    )
