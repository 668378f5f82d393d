"""Spreadsheet-safe CSV cells (OWASP "CSV injection") and the exact reverse for re-imports.

A cell whose first character would make a spreadsheet evaluate it (= + - @ tab CR LF) gets a
leading single quote, which spreadsheets show as "text, not a formula". To make the reverse exact,
a cell that already is quotes followed by a trigger ("'=x") gets one more quote, so `restore`
only ever removes a quote the exporter added: restore(neutralize(v)) == v for every string.
"""

from __future__ import annotations

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")
ESCAPE = "'"


def _quoted_trigger(cell: str) -> bool:
    """True for one or more quotes followed by a formula trigger: "'=1", "''+x"."""
    rest = cell.lstrip(ESCAPE)
    return len(rest) < len(cell) and rest[:1] in FORMULA_TRIGGERS


def needs_escape(cell: str) -> bool:
    return cell[:1] in FORMULA_TRIGGERS or _quoted_trigger(cell)


def neutralize(cell: str) -> str:
    """The cell as written to a CSV file: never starts a formula."""
    # Hot path of every export: most cells start with neither a trigger nor a quote.
    first = cell[:1]
    if first in FORMULA_TRIGGERS or (first == ESCAPE and _quoted_trigger(cell)):
        return ESCAPE + cell
    return cell


def restore(cell: str) -> str:
    """The value a neutralized cell stood for; any other cell is returned unchanged."""
    return cell[1:] if _quoted_trigger(cell) else cell
