"""Formula neutralising and its exact reverse (pure functions)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.csv_safety import FORMULA_TRIGGERS, needs_escape, neutralize, restore

TRIGGERS = sorted(FORMULA_TRIGGERS)


def test_the_triggers_are_the_owasp_list() -> None:
    assert {"=", "+", "-", "@", "\t", "\r", "\n"} == FORMULA_TRIGGERS


@given(st.sampled_from(TRIGGERS), st.text(max_size=30))
def test_a_cell_starting_with_any_trigger_gets_one_quote(trigger: str, rest: str) -> None:
    assert neutralize(trigger + rest) == "'" + trigger + rest


@given(st.text(max_size=40))
def test_no_neutralized_cell_starts_a_formula_and_restore_is_exact(value: str) -> None:
    cell = neutralize(value)
    assert cell[:1] not in FORMULA_TRIGGERS
    assert restore(cell) == value


@given(st.integers(min_value=1, max_value=3), st.sampled_from(TRIGGERS), st.text(max_size=20))
def test_values_already_quoted_before_a_trigger_survive_the_round_trip(
    quotes: int, trigger: str, rest: str
) -> None:
    value = "'" * quotes + trigger + rest
    assert neutralize(value) == "'" + value
    assert restore(neutralize(value)) == value


@given(st.text(max_size=40).filter(lambda v: not needs_escape(v)))
def test_cells_the_exporter_did_not_touch_are_imported_as_they_are(value: str) -> None:
    assert neutralize(value) == value
    assert restore(value) == value


def test_a_quote_not_followed_by_a_trigger_is_kept() -> None:
    assert restore("'hello") == "'hello"
    assert restore("'") == "'"
    assert restore("''") == "''"
