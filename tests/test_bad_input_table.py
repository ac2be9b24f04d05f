"""The bad-input table: every row is a call that must fail with a clear error naming the
argument.

Rows come from three files, one per area: the framework-free modules
(``bad_input_cases_common.py``), the models' direct calls and inference methods
in both frameworks (``bad_input_cases_models.py``), and the trainers, ``fit``
and checkpoint files in both frameworks (``bad_input_cases_trainers.py``).
"""

import pytest
from _bad_input import check
from bad_input_cases_common import CASES as COMMON
from bad_input_cases_models import CASES as MODELS
from bad_input_cases_trainers import CASES as TRAINERS

from aigc_course import seed_everything

CASES = COMMON + MODELS + TRAINERS


def test_the_table_is_large_and_ids_are_unique():
    assert len(CASES) >= 80
    ids = [case.id for case in CASES]
    assert len(set(ids)) == len(ids), sorted({i for i in ids if ids.count(i) > 1})
    for framework in ("torch", "keras"):  # both frameworks refuse the same inputs
        rows = {
            case.id.split("-", 1)[1]
            for case in MODELS + TRAINERS
            if case.id.startswith(framework + "-")
        }
        assert len(rows) >= 40, framework


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_a_clear_error(case):
    seed_everything(0)
    with pytest.raises(BaseException) as excinfo:
        case.call()
    check(case, excinfo)


def test_rows_mirror_each_other_across_frameworks():
    """A row for one framework has its twin for the other, unless it is about one
    framework's file format."""
    rows = {
        fw: {
            c.id.split("-", 1)[1]
            for c in MODELS + TRAINERS
            if c.id.startswith(fw + "-")
        }
        for fw in ("torch", "keras")
    }
    only_torch = {
        r for r in rows["torch"] - rows["keras"] if not r.startswith("checkpoint-")
    }
    only_keras = {
        r for r in rows["keras"] - rows["torch"] if not r.startswith("checkpoint-")
    }
    assert not only_torch and not only_keras, (only_torch, only_keras)
