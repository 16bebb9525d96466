"""CSV downloads that a spreadsheet cannot execute.

Spreadsheets run a cell that starts with = + - @ (or tab / carriage return, which some strip before looking) as a
formula, so an app or room named `=cmd|' /C calc'!A0` would run on a manager's machine. Every CSV export writes
through `csv_writer`, which prefixes such a cell with an apostrophe (OWASP's advice; the spreadsheet shows the
text, not the apostrophe). A plain number such as `-12.50` cannot be a formula and is left as it is, so cost
columns stay numeric.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise_cell(value: Any) -> Any:
    if isinstance(value, bool | int | float | Decimal) or value is None:
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


class SafeCsvWriter:
    def __init__(self, target: _Writable) -> None:
        self._writer = csv.writer(target)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(target: _Writable) -> SafeCsvWriter:
    return SafeCsvWriter(target)
