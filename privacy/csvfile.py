"""Every CSV the toolkit writes goes through here: RFC 4180 (CRLF line ends, quoted where needed,
UTF-8), with any cell a spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

# The media type of a CSV answer. Litestar appends "; charset=utf-8" to every text/ type itself, so
# a handler naming the charset too sends it twice.
MEDIA_TYPE = "text/csv"

# OWASP, CSV injection: a cell starting with one of these runs as a formula in Excel, LibreOffice
# or Google Sheets (`=HYPERLINK(...)` leaks the sheet, `=cmd|...` ran commands). A single quote in
# front makes the cell text, and the quote is all a reader sees of the change.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: object) -> str:
    """A value as the text of one cell. A list becomes its items joined by "; ". Numbers stay as
    they are, a negative one included: a number cannot carry a formula, and prefixing it would turn
    it into text. Only values that are numbers qualify: the string "-5" is prefixed, since nothing
    tells it apart from "-2+3"."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        text = "; ".join("" if item is None else str(item) for item in value)
    else:
        text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_rows(out: IO[str], rows: Iterable[Iterable[object]]) -> None:
    """Write rows to a text stream (opened with `newline=""`, so the CRLF line ends stay as they are)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([cell_text(value) for value in row] for row in rows)


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO(newline="")
    write_rows(out, rows)
    return out.getvalue()


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    return csv_text(rows).encode()
