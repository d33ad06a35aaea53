"""The fast checks in ``firebreak.limits`` decide exactly as the walks that name the problem.

Intake runs the fast check on every alert and the naming walk only when it says no, so a value the
fast check lets through must be one the naming walk would pass, and the other way round.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firebreak import limits

text = st.text(
    alphabet=st.sampled_from(["a", "é", "\x00", "\ud800", "\udc00", " ", "{"]), max_size=6
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(
        [10**40 - 1, 10**40, -(10**40) + 1, -(10**40), 1.5, float("nan"), -float("inf")]
    ),
    text,
)


def nested(depth: int) -> Any:
    """A value nested ``depth`` lists deep."""
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(text, st.sampled_from(["k" * 1024, "k" * 1025])), inner, max_size=4
        ),
    ),
    max_leaves=20,
)


def named_passes(value: Any) -> bool:
    try:
        limits.name_json_problem(value, "body")
    except limits.LimitError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(values)
def test_fits_json_agrees_with_the_naming_walk(value: Any) -> None:
    assert limits.fits_json(value) == named_passes(value)


@pytest.mark.parametrize("depth", [limits.JSON_DEPTH - 1, limits.JSON_DEPTH, limits.JSON_DEPTH + 1])
def test_depth_is_bounded_the_same_way(depth: int) -> None:
    value = nested(depth)
    assert limits.fits_json(value) == named_passes(value) == (depth < limits.JSON_DEPTH + 1)


def test_a_refused_value_is_named_by_check_json() -> None:
    with pytest.raises(limits.LimitError, match=r"payload\.details\.note: contains a NUL"):
        limits.check_json({"details": {"note": "a\x00b"}}, "payload")


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(["service", "scenario", "runbook", "trigger", "n" * 129]), text),
        st.one_of(
            text, st.sampled_from(["v" * n for n in (40, 41, 99, 100, 120, 121, 1024, 1025)])
        ),
        max_size=6,
    )
)
def test_fits_labels_agrees_with_the_naming_walk(labels: dict[str, str]) -> None:
    try:
        limits.name_labels_problem(labels)
        passes = True
    except limits.LimitError:
        passes = False
    assert limits.fits_labels(labels) == passes


@settings(max_examples=300, deadline=None)
@given(st.one_of(values, st.integers(limits.JSON_DEPTH - 2, limits.JSON_DEPTH + 2).map(nested)))
def test_plain_json_never_passes_what_check_json_refuses(value: Any) -> None:
    """``plain_json`` judges the text alone and trusts the decoder's hooks for the numbers: what
    it passes, the naming walk passes too."""
    try:
        encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
        encoded.encode("utf-8")  # lone surrogates never arrive as UTF-8 bytes
    except (ValueError, UnicodeEncodeError):
        return
    decoded = json.loads(encoded)
    if any(abs(n) >= 10**limits.JSON_INT_DIGITS for n in ints(decoded)):
        return  # the decoder's hook refuses these before plain_json runs
    if limits.plain_json(encoded):
        assert named_passes(decoded)


def test_plain_json_settles_a_small_body_and_leaves_the_rest_to_the_walk() -> None:
    assert limits.plain_json('{"labels": {"service": "chat-api"}, "alerts": [{}]}')
    assert not limits.plain_json(json.dumps(nested(limits.JSON_DEPTH + 1)))
    assert not limits.plain_json(json.dumps({"k" * (limits.JSON_KEY + 1): 1}))
    assert not limits.plain_json('{"a": "\\u0000"}')


def ints(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in ints(v)]
    if isinstance(value, list):
        return [n for v in value for n in ints(v)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["service", "scenario", "instance", "n" * 129]), text),
    values,
    st.one_of(text, st.sampled_from(["k" * 255, "k" * 256])),
    st.one_of(st.none(), text, st.sampled_from(["s" * 16, "s" * 17])),
)
def test_an_alert_is_refused_exactly_when_the_naming_walk_names_a_field(
    labels: dict[str, str], details: Any, key: str, severity: str | None
) -> None:
    from firebreak.errors import InputError
    from firebreak.incidents.model import AlertIn

    alert = AlertIn(
        "generic",
        key or "k",
        labels=labels,
        summary="s",
        severity=severity,
        payload={"details": details},
    )

    def refused(check: Any) -> bool:
        try:
            check()
        except InputError:
            return True
        return False

    assert refused(alert.check) == refused(alert._name_problem)
