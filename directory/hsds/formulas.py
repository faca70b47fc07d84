"""Spreadsheet formula injection in CSV cells, guarded on the way out, undone on the way in.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as
a formula by spreadsheet programs: an approved listing whose name is
``=HYPERLINK("http://evil.example", "Klik")`` would become a live link in the
coordinator's spreadsheet. The export prefixes such a cell with an apostrophe (which
spreadsheets read as "text follows" and do not show), as OWASP advises; plain numbers
(``-5.12``) are left alone. The importer removes exactly that prefix, so an export reads
back as it was written.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def guard(cell: str) -> str:
    """The cell as it may be written to a CSV file."""
    if cell.startswith(FORMULA_STARTS) and not _is_number(cell):
        return GUARD + cell
    return cell


def unguard(cell: str) -> str:
    """A cell read from a CSV file written by :func:`guard`."""
    if cell.startswith(GUARD) and cell[1:].startswith(FORMULA_STARTS) and not _is_number(cell[1:]):
        return cell[1:]
    return cell
