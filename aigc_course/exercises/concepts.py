"""Checkers for the exercises of chapter 1, "Concepts".

Each checker compares the reader's answer with the reference and says what is
wrong, not only whether it is::

    from aigc_course.exercises import concepts as ex
    ex.check_task_types({"write a poem from a title": "generative", ...})
    ex.check_bayes_posterior(my_posterior)
    ex.check_pipeline_order(my_order)
"""

from __future__ import annotations

import numpy as np

from aigc_course.exercises._feedback import Feedback, feedback

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
        "it outputs a label for a given input, p(spam | e-mail); it never has to write an e-mail",
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
        "it must produce plausible pixels, samples from p(missing pixels | visible pixels)",
    ),
    "detect whether a face in a video is a deepfake": (
        "discriminative",
        "it judges a given input, p(fake | video), like a GAN's discriminator; it generates nothing",
    ),
    "translate a Chinese sentence into English": (
        "generative",
        "it produces a new sentence token by token, samples from p(English | Chinese)",
    ),
    "predict tomorrow's sales figure from today's data": (
        "discriminative",
        "it outputs one prediction of a target given the input (regression); it does not model the data's distribution",
    ),
}
TASKS = tuple(_TASKS)
_KINDS = ("generative", "discriminative")


def check_task_types(answers, show: bool = True) -> Feedback:
    """Check ``answers``: a dict mapping every task in :data:`TASKS` to ``"generative"`` or ``"discriminative"``."""
    name = "Generative or discriminative"
    if not isinstance(answers, dict):
        return feedback(name, [f"expected a dict {{task: 'generative' or 'discriminative'}}, got {type(answers).__name__}"], show=show)
    problems = []
    missing = [t for t in TASKS if t not in answers]
    unknown = [t for t in answers if t not in _TASKS]
    if missing:
        problems.append(f"{len(missing)} task(s) have no answer, e.g. {missing[0]!r}: use the strings of ex.TASKS as keys")
    if unknown:
        problems.append(f"{unknown[0]!r} is not one of the tasks (ex.TASKS); check its spelling")
    for task in TASKS:
        if task not in answers:
            continue
        given = str(answers[task]).strip().lower()
        right, why = _TASKS[task]
        if given not in _KINDS:
            problems.append(f"{task!r}: answer {answers[task]!r} is neither 'generative' nor 'discriminative'")
        elif given != right:
            problems.append(f"{task!r} is {right}, not {given}: {why}")
    return feedback(
        name,
        problems,
        ["ask: does the task output a new sample x (generative) or a label/number y for a given x (discriminative)?"],
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
    maha = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)  # squared Mahalanobis distance
    return np.exp(-0.5 * maha) / np.sqrt((2 * np.pi) ** d * np.linalg.det(cov))


_BAYES_X = np.array([[0.0, 0.0], [1.0, 0.5], [-1.0, 1.0], [2.0, -1.0], [0.5, 2.0], [-2.0, -2.0]])
_BAYES_MEANS = np.array([[-1.0, 0.0], [1.0, 0.5], [0.0, 2.0]])
_BAYES_COVS = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.6, 0.0], [0.0, 1.5]], [[2.0, -0.4], [-0.4, 0.8]]])
_BAYES_PRIORS = np.array([0.6, 0.3, 0.1])


def _reference_posterior(x, means, covs, priors) -> np.ndarray:
    joint = np.stack([gaussian_pdf(x, m, c) * p for m, c, p in zip(means, covs, priors)], axis=1)  # (N, K)
    return joint / joint.sum(axis=1, keepdims=True)


def check_bayes_posterior(fn, show: bool = True) -> Feedback:
    """Check ``fn(x, means, covs, priors) -> p(y | x)`` of shape ``(N, K)``.

    ``x`` is ``(N, d)``, ``means`` ``(K, d)``, ``covs`` ``(K, d, d)`` and
    ``priors`` ``(K,)``: a generative classifier with one Gaussian per class.
    """
    name = "Bayes' rule posterior"
    if not callable(fn):
        return feedback(name, [f"expected a function, got {type(fn).__name__}"], show=show)
    args = (_BAYES_X.copy(), _BAYES_MEANS.copy(), _BAYES_COVS.copy(), _BAYES_PRIORS.copy())
    try:
        out = np.asarray(fn(*args), dtype=float)
    except Exception as err:  # the reader's code: report, do not crash the lesson
        return feedback(name, [f"your function raised {type(err).__name__}: {err}"], show=show)
    right = _reference_posterior(*args)
    n, k = right.shape
    if out.shape != right.shape:
        if out.shape == (k, n):
            problem = f"returned shape {out.shape}: one row per point and one column per class is ({n}, {k}); transpose it"
        else:
            problem = f"returned shape {out.shape}, expected ({n}, {k}): one row per point, one column per class"
        return feedback(name, [problem], show=show)
    if np.allclose(out, right, rtol=1e-5, atol=1e-8):
        return feedback(name, [], show=show)
    likelihood = np.stack([gaussian_pdf(_BAYES_X, m, c) for m, c in zip(_BAYES_MEANS, _BAYES_COVS)], axis=1)
    joint = likelihood * _BAYES_PRIORS
    identity = np.stack([gaussian_pdf(_BAYES_X, m, np.eye(2)) for m in _BAYES_MEANS], axis=1) * _BAYES_PRIORS
    std_as_cov = np.stack(
        [gaussian_pdf(_BAYES_X, m, c @ c) for m, c in zip(_BAYES_MEANS, _BAYES_COVS)], axis=1
    ) * _BAYES_PRIORS
    candidates = {
        "you returned the joint p(x | y) p(y): divide each row by p(x) = sum_k p(x | k) p(k) so that it sums to 1": joint,
        "you returned the likelihoods p(x | y): multiply by the priors p(y), then divide by p(x)": likelihood,
        "you left out the priors p(y): with priors (0.6, 0.3, 0.1) the rare class must count less": likelihood
        / likelihood.sum(axis=1, keepdims=True),
        "you normalised over the points (columns sum to 1): normalise each row, over the classes": joint
        / joint.sum(axis=0, keepdims=True),
        "you returned log-probabilities: exponentiate (softmax of the log joint)": np.log(right),
        "you ignored the covariances (used the identity): each class has its own covariance matrix": identity
        / identity.sum(axis=1, keepdims=True),
        "covs are covariances (sigma^2), not standard deviations: do not square them": std_as_cov
        / std_as_cov.sum(axis=1, keepdims=True),
    }
    for message, wrong in candidates.items():
        if np.allclose(out, wrong, rtol=1e-4, atol=1e-10):
            return feedback(name, [message], show=show)
    problems = []
    sums = out.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-6):
        problems.append(f"rows must sum to 1 (a distribution over the classes), yours sum to {np.round(sums, 4).tolist()}")
    if np.any(out < 0):
        problems.append("probabilities cannot be negative")
    if not problems:
        worst = int(np.abs(out - right).max(axis=1).argmax())
        problems.append(
            f"at x = {_BAYES_X[worst].tolist()} you give {np.round(out[worst], 4).tolist()}, "
            f"expected {np.round(right[worst], 4).tolist()}"
        )
    return feedback(name, problems, ["p(y=k | x) = p(x | k) p(k) / sum_j p(x | j) p(j)"], show=show)


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
    ("collect and clean data", "split off held-out data"): "you can only split data you have collected",
    ("split off held-out data", "train the model"): "split before training, or the test data leak into training "
    "and the evaluation measures memory, not generalisation",
    ("train the model", "evaluate on held-out data"): "there is nothing to evaluate before training",
    ("evaluate on held-out data", "apply the model"): "evaluate before you apply: nobody should deploy a model "
    "whose quality has not been measured",
    ("apply the model", "monitor use and collect feedback"): "feedback comes from a model in use",
}
# The reader gets the steps shuffled (a fixed order, so the notebook output is stable).
PIPELINE_STEPS = tuple(_PIPELINE[i] for i in (3, 0, 5, 2, 4, 1))


def check_pipeline_order(order, show: bool = True) -> Feedback:
    """Check ``order``: the six strings of :data:`PIPELINE_STEPS` in the order a project runs them."""
    name = "Pipeline order"
    if isinstance(order, str) or not hasattr(order, "__iter__"):
        return feedback(name, [f"expected a list of the strings in ex.PIPELINE_STEPS, got {type(order).__name__}"], show=show)
    order = list(order)
    problems = []
    unknown = [s for s in order if s not in _PIPELINE]
    missing = [s for s in _PIPELINE if s not in order]
    repeated = sorted({s for s in order if order.count(s) > 1 and s in _PIPELINE})
    if unknown:
        problems.append(f"{unknown[0]!r} is not one of ex.PIPELINE_STEPS; copy the strings exactly")
    if missing:
        problems.append(f"missing step(s): {missing}")
    if repeated:
        problems.append(f"listed more than once: {repeated}")
    if problems:
        return feedback(name, problems, show=show)
    rank = {s: i for i, s in enumerate(order)}
    for (first, then), why in _WHY.items():
        if rank[first] > rank[then]:
            problems.append(f"{first!r} must come before {then!r}: {why}")
    return feedback(
        name, problems, ["data -> train -> evaluate -> apply, and the feedback from use starts the next round"], show=show
    )
