"""Formula neutralising and its exact reverse (pure functions)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.csv_safety import FORMULA_TRIGGERS, is_plain_number, needs_escape, neutralize, restore

TRIGGERS = sorted(FORMULA_TRIGGERS)


def test_the_triggers_are_the_owasp_list() -> None:
    assert {"=", "+", "-", "@", "\t", "\r", "\n"} == FORMULA_TRIGGERS


@given(st.sampled_from(TRIGGERS), st.text(max_size=30))
def test_a_cell_starting_with_any_trigger_gets_one_quote(trigger: str, rest: str) -> None:
    if not is_plain_number(trigger + rest):
        assert neutralize(trigger + rest) == "'" + trigger + rest


@given(st.text(max_size=40))
def test_no_neutralized_cell_starts_a_formula_and_restore_is_exact(value: str) -> None:
    cell = neutralize(value)
    assert cell[:1] not in FORMULA_TRIGGERS or is_plain_number(cell)
    assert restore(cell) == value


@given(
    st.one_of(st.integers(max_value=-1), st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
)
def test_a_negative_number_is_written_as_a_number(number: float) -> None:
    text = str(number)
    assert neutralize(text) == text and restore(text) == text


def test_only_a_plain_negative_number_skips_the_quote() -> None:
    assert [neutralize(v) for v in ("-5", "-2.5", "-1e-07", "-0012")] == ["-5", "-2.5", "-1e-07", "-0012"]
    for formula in ("-5+1", "-5 ", "-5\n=1", "- 5", "-", "-1,5", "+5", "-\u0665", "-5e", "--5"):
        assert neutralize(formula) == "'" + formula, formula
        assert restore(neutralize(formula)) == formula
    # An old export quoted negative numbers; it still reads back as the number.
    assert restore("'-5") == "-5"
    assert neutralize("'-5") == "''-5" and restore("''-5") == "'-5"


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
