"""The chapter-1 checkers accept the right answer and name the typical mistakes."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from aigc_course.exercises import concepts as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert any(fragment in p for p in result.problems), result.problems


# ---- generative or discriminative ------------------------------------------

RIGHT_TASKS = {t: ex._TASKS[t][0] for t in ex.TASKS}


def test_task_types_right_answer_passes(capsys):
    assert ex.check_task_types(RIGHT_TASKS).passed
    assert "correct" in capsys.readouterr().out
    assert ex.check_task_types(
        {t: a.upper() for t, a in RIGHT_TASKS.items()}, show=False
    ).passed


def test_task_types_names_the_wrong_task_and_why():
    answers = dict(RIGHT_TASKS, **{"tell whether an e-mail is spam": "generative"})
    result = ex.check_task_types(answers, show=False)
    assert len(result.problems) == 1
    _only(result, "'tell whether an e-mail is spam' is discriminative, not generative")
    _only(result, "p(spam | e-mail)")


def test_task_types_deepfake_detector_is_discriminative():
    answers = dict(
        RIGHT_TASKS, **{"detect whether a face in a video is a deepfake": "generative"}
    )
    _only(ex.check_task_types(answers, show=False), "like a GAN's discriminator")


@pytest.mark.parametrize(
    "answers, fragment",
    [
        ({t: a for t, a in list(RIGHT_TASKS.items())[1:]}, "have no answer"),
        (dict(RIGHT_TASKS, **{"make coffee": "generative"}), "is not one of the tasks"),
        (
            dict(RIGHT_TASKS, **{ex.TASKS[0]: "both"}),
            "neither 'generative' nor 'discriminative'",
        ),
        (["generative"] * len(ex.TASKS), "expected a dict"),
    ],
)
def test_task_types_bad_input(answers, fragment):
    _only(ex.check_task_types(answers, show=False), fragment)


# ---- Bayes' rule ------------------------------------------------------------


def posterior_right(x, means, covs, priors):
    joint = np.stack(
        [multivariate_normal(m, c).pdf(x) * p for m, c, p in zip(means, covs, priors)],
        axis=1,
    )
    return joint / joint.sum(axis=1, keepdims=True)


def _likelihood(x, means, covs):
    return np.stack(
        [multivariate_normal(m, c).pdf(x) for m, c in zip(means, covs)], axis=1
    )


def test_gaussian_pdf_matches_scipy():
    x = ex._BAYES_X
    for m, c in zip(ex._BAYES_MEANS, ex._BAYES_COVS):
        np.testing.assert_allclose(
            ex.gaussian_pdf(x, m, c), multivariate_normal(m, c).pdf(x), rtol=1e-10
        )


def test_bayes_right_answer_passes(capsys):
    assert ex.check_bayes_posterior(posterior_right).passed
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda x, m, c, p: _likelihood(x, m, c) * p, "returned the joint"),
        (lambda x, m, c, p: _likelihood(x, m, c), "returned the likelihoods"),
        (
            lambda x, m, c, p: posterior_right(x, m, c, np.ones(len(p)) / len(p)),
            "left out the priors",
        ),
        (
            lambda x, m, c, p: (lambda j: j / j.sum(axis=0))(_likelihood(x, m, c) * p),
            "normalised over the points",
        ),
        (lambda x, m, c, p: np.log(posterior_right(x, m, c, p)), "log-probabilities"),
        (
            lambda x, m, c, p: posterior_right(x, m, np.stack([np.eye(2)] * len(m)), p),
            "ignored the covariances",
        ),
        (
            lambda x, m, c, p: posterior_right(
                x, m, np.stack([ci @ ci for ci in c]), p
            ),
            "not standard deviations",
        ),
        (lambda x, m, c, p: posterior_right(x, m, c, p).T, "transpose it"),
        (lambda x, m, c, p: posterior_right(x, m, c, p)[:, :2], "expected (6, 3)"),
        (lambda x, m, c, p: posterior_right(x, m, c, p) * 0.5, "rows must sum to 1"),
        (
            lambda x, m, c, p: np.roll(posterior_right(x, m, c, p), 1, axis=1),
            "expected",
        ),
        (lambda x, m, c, p: 1 / 0, "raised ZeroDivisionError"),
        ("not a function", "expected a function"),
    ],
)
def test_bayes_mistakes(wrong, fragment):
    _only(ex.check_bayes_posterior(wrong, show=False), fragment)


# ---- pipeline order -----------------------------------------------------------

RIGHT_ORDER = list(ex._PIPELINE)


def test_pipeline_steps_are_shuffled_but_complete():
    assert sorted(ex.PIPELINE_STEPS) == sorted(RIGHT_ORDER)
    assert list(ex.PIPELINE_STEPS) != RIGHT_ORDER
    assert not ex.check_pipeline_order(ex.PIPELINE_STEPS, show=False).passed


def test_pipeline_right_answer_passes(capsys):
    assert ex.check_pipeline_order(RIGHT_ORDER).passed
    assert "correct" in capsys.readouterr().out


def _swap(i, j):
    order = list(RIGHT_ORDER)
    order[i], order[j] = order[j], order[i]
    return order


@pytest.mark.parametrize(
    "order, fragment",
    [
        (_swap(3, 4), "evaluate before you apply"),
        (_swap(1, 2), "test data leak into training"),
        (_swap(2, 3), "nothing to evaluate before training"),
        (RIGHT_ORDER[:-1], "missing step(s)"),
        (RIGHT_ORDER + [RIGHT_ORDER[0]], "listed more than once"),
        (RIGHT_ORDER[:-1] + ["profit"], "is not one of ex.PIPELINE_STEPS"),
        ("data, train, evaluate, apply", "expected a list"),
    ],
)
def test_pipeline_mistakes(order, fragment):
    _only(ex.check_pipeline_order(order, show=False), fragment)


def test_grading_mode_does_not_give_the_answers_away(monkeypatch):
    monkeypatch.setenv("AIGC_COURSE_GRADING", "1")
    wrong = {task: "generative" for task in ex.TASKS}
    problems = ex.check_task_types(wrong, show=False).problems
    assert problems and all(p.endswith("is not generative") for p in problems)
    result = ex.check_pipeline_order(list(reversed(ex.PIPELINE_STEPS)), show=False)
    assert result.problems and all("must come before" not in p for p in result.problems)
