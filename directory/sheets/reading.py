"""Reading a spreadsheet (``.xlsx`` through openpyxl, or ``.csv``) into text cells. Pure.

What comes out is a header row and data rows of plain text, with each row's number as
the spreadsheet shows it. Title lines above the header (a Dinas Sosial list often starts
with "DAFTAR LEMBAGA ..." and a blank line) are skipped: the header is the first of the
first :data:`HEADER_SEARCH_ROWS` rows with at least two cells naming a known field.

A formula is never evaluated nor kept: an ``.xlsx`` formula cell, or a CSV cell written as
one (``=HYPERLINK(...)``), is read as the marker :data:`FORMULA` and reported by the
validation as an error of its row and column. A CSV cell that our own export guarded
(``'=...``, :mod:`directory.hsds.formulas`) reads back as the text it was.

Whatever cannot be read raises :class:`SheetUnreadable` with a code that
:mod:`directory.sheets.messages` explains in Indonesian.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from directory.hsds.formulas import unguard

# Refused beyond these: an import is a list of institutions, not a data dump.
MAX_ROWS = 10_000
MAX_COLUMNS = 60
MAX_CELL = 2_000
# An .xlsx is a zip: its parts may not unpack to more than this (a zip bomb).
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
# Every formula cell reads as this: a lone "=", which no value of ours starts with.
FORMULA = "="

XLSX_SIGNATURE = b"PK\x03\x04"
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
# Words that start a formula in a spreadsheet program (after =, +, - or @).
_FORMULA_CALL = re.compile(r"^[=+\-@]\s*[A-Za-z_][A-Za-z0-9_.]*\s*\(")


class SheetUnreadable(Exception):
    """The file is not a spreadsheet we can read; ``code`` says why, ``limit`` the bound."""

    def __init__(self, code: str, limit: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.limit = limit


@dataclass(frozen=True)
class Sheet:
    headers: tuple[str, ...]
    # (row number as the spreadsheet shows it, cells as text)
    rows: tuple[tuple[int, tuple[str, ...]], ...]


def is_formula_text(text: str) -> bool:
    """A cell a spreadsheet program would run: ``=...``, or ``+``/``-``/``@`` and a call."""
    return text.startswith("=") or _FORMULA_CALL.match(text) is not None


def cell_text(value: Any) -> str:
    """An openpyxl cell value as text: whole floats without ``.0``, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _clean(text: str) -> str:
    text = text.replace("\x00", "").replace("\r\n", "\n").strip()
    return text[:MAX_CELL]


def read_sheet(
    data: bytes, filename: str, is_header: Callable[[tuple[str, ...]], bool] = lambda _: True
) -> Sheet:
    """The header and rows of an uploaded file. ``is_header`` tells a header row from a
    title line (:func:`directory.sheets.mapping.looks_like_header`).

    :raises SheetUnreadable: empty, not a spreadsheet, too large, or no header row.
    """
    if not data.strip():
        raise SheetUnreadable("empty")
    name = filename.lower()
    if data.startswith(XLSX_SIGNATURE):
        rows = _xlsx_rows(data)
    elif name.endswith((".xlsx", ".xlsm")):
        raise SheetUnreadable("not_xlsx")
    elif name.endswith(CSV_SUFFIXES):
        rows = _csv_rows(data)
    else:
        raise SheetUnreadable("not_spreadsheet")
    try:
        return _with_header(rows, is_header)
    finally:
        rows.close()  # the workbook's file, when reading stopped early


def _with_header(rows: Iterator[list[str]], is_header: Callable[[tuple[str, ...]], bool]) -> Sheet:
    # The first non-blank rows, until one looks like a header (else the first is it).
    lead: list[tuple[int, tuple[str, ...]]] = []
    numbered = ((n, tuple(cells[:MAX_COLUMNS])) for n, cells in enumerate(rows, start=1))
    header_at: int | None = None
    for number, texts in numbered:
        if not any(texts):
            continue
        lead.append((number, texts))
        if is_header(texts):
            header_at = len(lead) - 1
            break
        if len(lead) >= HEADER_SEARCH_ROWS:
            break
    if not lead:
        raise SheetUnreadable("empty")
    if header_at is None:
        header_at = 0
    header = lead[header_at][1]
    body = list(lead[header_at + 1 :])
    for number, texts in numbered:
        if not any(texts):
            continue
        if len(body) >= MAX_ROWS:
            raise SheetUnreadable("too_many_rows", MAX_ROWS)
        body.append((number, texts))
    if not body:
        raise SheetUnreadable("no_rows")
    width = max(len(header), *(len(cells) for _, cells in body))
    headers = _unique(tuple(h or f"Kolom {i + 1}" for i, h in enumerate(_pad(header, width))))
    return Sheet(headers=headers, rows=tuple((n, _pad(cells, width)) for n, cells in body))


def _unique(headers: tuple[str, ...]) -> tuple[str, ...]:
    """Headers name columns: a repeated one becomes ``Telepon (2)``."""
    seen: dict[str, int] = {}
    out = []
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
        out.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return tuple(out)


def _pad(cells: tuple[str, ...], width: int) -> tuple[str, ...]:
    return cells + ("",) * (width - len(cells)) if len(cells) < width else cells


def _xlsx_rows(data: bytes) -> Generator[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise SheetUnreadable("not_xlsx") from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetUnreadable("too_large")
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        worksheet = workbook.worksheets[0] if workbook.worksheets else None
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise SheetUnreadable("not_xlsx") from error
    if worksheet is None:
        raise SheetUnreadable("empty")
    return _xlsx_cells(workbook, worksheet.iter_rows())


def _xlsx_cells(workbook: Any, rows: Iterable[Any]) -> Generator[list[str]]:
    try:
        for row in rows:
            cells = []
            for cell in row:
                value = getattr(cell, "value", None)
                text = _clean(cell_text(value))
                if getattr(cell, "data_type", None) == "f" or is_formula_text(text):
                    cells.append(FORMULA)
                else:
                    cells.append(text)
            while cells and not cells[-1]:
                cells.pop()
            yield cells
    except SheetUnreadable:
        raise
    except Exception as error:
        raise SheetUnreadable("not_xlsx") from error
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        raise SheetUnreadable("binary")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Spreadsheet programs on Windows write CSV in the ANSI code page.
        return data.decode("cp1252", errors="replace")


def _csv_rows(data: bytes) -> Generator[list[str]]:
    text = _decode(data)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    if "\n" not in sample.strip() and dialect.delimiter not in sample:
        raise SheetUnreadable("not_table")
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for cells in reader:
            out = []
            for cell in cells:
                value = _clean(cell)
                if unguard(value) != value:
                    out.append(unguard(value))  # the apostrophe marks text
                else:
                    out.append(FORMULA if is_formula_text(value) else value)
            while out and not out[-1]:
                out.pop()
            yield out
    except csv.Error as error:
        raise SheetUnreadable("not_table") from error
