"""The tolerance check that notebooks use for trained numbers."""

import json

import numpy as np
import pytest
import torch

from aigc_course.book.claims import ClaimError, claim


@pytest.mark.parametrize(
    "value", [162.0, np.float32(162.0), np.array(162.0), torch.tensor(162.0)]
)
def test_a_number_in_range_passes_and_is_returned(value):
    assert claim("loss, nats", value, between=(150, 175)) is value
    claim("loss, nats", value, at_most=170)
    claim("loss, nats", value, at_least=150)
    claim("loss, nats", value, between=(162, 162))  # both ends included


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"between": (150, 160)}, "between 150 and 160"),
        ({"at_most": 100}, "at most 100"),
        ({"at_least": 170}, "at least 170"),
    ],
)
def test_a_number_out_of_range_fails_naming_the_claim(kwargs, expected):
    with pytest.raises(
        ClaimError,
        match=rf"VAE loss, nats: expected {expected}, got "
        r"162",
    ):
        claim("VAE loss, nats", 162.0, **kwargs)


def test_a_claim_failure_is_an_assertion_error():
    # nbval and pytest report it as a failed check
    assert issubclass(ClaimError, AssertionError)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nan_and_inf_never_pass(value):
    with pytest.raises(ClaimError):
        claim("loss", value, at_least=-float("inf"))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("", 1.0), {"at_most": 2}, "text must be a non-empty string"),
        (("loss", 1.0), {}, "a claim needs a range"),
        (("loss", 1.0), {"between": (0, 2), "at_most": 3}, "not both"),
        (
            ("loss", 1.0),
            {"between": (2, 0)},
            "lower bound 2.0 is above the upper bound 0.0",
        ),
        (("loss", 1.0), {"between": 2}, "between must be a pair"),
        (("loss", "1.0"), {"at_most": 2}, "value must be a real number, got '1.0'"),
        (("loss", True), {"at_most": 2}, "value must be a real number"),
        (
            ("loss", np.ones(3)),
            {"at_most": 2},
            r"single real number, got an array of "
            r"shape \(3,\)",
        ),
    ],
)
def test_bad_arguments_are_named(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        claim(*args, **kwargs)


def test_claims_are_logged_for_the_spread_report(tmp_path, monkeypatch):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv("AIGC_COURSE_CLAIMS_LOG", str(log))
    monkeypatch.setenv("AIGC_COURSE_NOTEBOOK", "book/x.ipynb")
    claim("a", 1.5, between=(1, 2))
    with pytest.raises(ClaimError):
        # a failing claim is logged too: the report shows how far off it was
        claim("b", 3.0, at_most=2)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries == [
        {
            "notebook": "book/x.ipynb",
            "claim": "a",
            "value": 1.5,
            "low": 1.0,
            "high": 2.0,
        },
        {
            "notebook": "book/x.ipynb",
            "claim": "b",
            "value": 3.0,
            "low": None,
            "high": 2.0,
        },
    ]
