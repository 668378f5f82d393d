"""Spreadsheet-safe CSV cells (OWASP "CSV injection") and the exact reverse for re-imports.

A cell whose first character would make a spreadsheet evaluate it (= + - @ tab CR LF) gets a
leading single quote, which spreadsheets show as "text, not a formula". To make the reverse exact,
a cell that already is quotes followed by a trigger ("'=x") gets one more quote, so `restore`
only ever removes a quote the exporter added: restore(neutralize(v)) == v for every string.

A plain negative number ("-5", "-2.5", "-1e-07") starts with "-" but cannot be a formula: it is
written as it is, so a spreadsheet reads it as the number it is. "+" numbers keep their quote: phones
in E.164 ("+60123456789") would otherwise lose their "+" and become numbers in a spreadsheet.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")
ESCAPE = "'"
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def is_plain_number(cell: str) -> bool:
    """A negative decimal number and nothing else (no spaces, no operators, no second line)."""
    return _NEGATIVE_NUMBER.fullmatch(cell) is not None


def _quoted_trigger(cell: str) -> bool:
    """True for one or more quotes followed by a formula trigger: "'=1", "''+x"."""
    rest = cell.lstrip(ESCAPE)
    return len(rest) < len(cell) and rest[:1] in FORMULA_TRIGGERS


def needs_escape(cell: str) -> bool:
    return (cell[:1] in FORMULA_TRIGGERS and not is_plain_number(cell)) or _quoted_trigger(cell)


def neutralize(cell: str) -> str:
    """The cell as written to a CSV file: never starts a formula."""
    # Hot path of every export: most cells start with neither a trigger nor a quote.
    first = cell[:1]
    if first in FORMULA_TRIGGERS:
        return cell if first == "-" and is_plain_number(cell) else ESCAPE + cell
    if first == ESCAPE and _quoted_trigger(cell):
        return ESCAPE + cell
    return cell


def restore(cell: str) -> str:
    """The value a neutralized cell stood for; any other cell is returned unchanged."""
    return cell[1:] if _quoted_trigger(cell) else cell
