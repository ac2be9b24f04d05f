"""The shared feedback object of the exercise checkers."""

from aigc_course.exercises import Feedback, feedback


def test_feedback_lists_problems_and_hints(capsys):
    result = feedback(
        "Exercise 1", ["shape is (3,), expected (4,)", None], hints=["check the axis"]
    )
    assert not result and result.problems == ["shape is (3,), expected (4,)"]
    out = capsys.readouterr().out
    assert "not yet. 1 problem(s)" in out and "hint: check the axis" in out


def test_feedback_passes_without_problems(capsys):
    result = feedback("Exercise 2", [], hints=["unused"], show=False)
    assert result.passed and bool(result) and result.hints == []
    assert str(result) == "Exercise 2: correct."
    assert capsys.readouterr().out == ""
    assert Feedback("x").passed
