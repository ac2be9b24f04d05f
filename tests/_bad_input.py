"""The format of the bad-input table (``tests/test_bad_input_table.py``) and its
checker.

Each row is a :class:`Case`: a call that must fail, the exception type it must
raise, and a regular expression its message must match.  The message must name
the argument (``names``, by default the first word of ``match``), so a row
cannot pass on an unrelated error that happens to have the right type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str  # pytest id: "<module or framework>-<what is wrong>"
    call: Callable[[], object]  # builds what it needs and makes the bad call
    error: type[BaseException]  # ValueError, TypeError, FileNotFoundError, ...
    match: str  # re.search pattern on str(exception)
    # the argument the message must name (default: first word of match)
    names: str | None = None


def check(case: Case, excinfo) -> None:
    """Assert that ``excinfo`` (from ``pytest.raises``) is the clear error ``case`` asks
    for."""
    message = str(excinfo.value)
    assert type(excinfo.value) is case.error or isinstance(excinfo.value, case.error), (
        f"{case.id}: expected {case.error.__name__}, got "
        f"{type(excinfo.value).__name__}: {message}"
    )
    assert re.search(case.match, message), (
        f"{case.id}: message {message!r} does not match {case.match!r}"
    )
    # the course's message is the whole message: Keras' own wrapper around errors from
    # `call` is kept off
    assert "Exception encountered when calling" not in message, (
        f"{case.id}: {message!r}"
    )
    name = case.names or re.match(r"[A-Za-z_][A-Za-z_0-9.]*", case.match).group(0)
    assert name in message, (
        f"{case.id}: message {message!r} does not name the argument {name!r}"
    )
