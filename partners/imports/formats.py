"""File formats for partner spreadsheets: delimited text as Excel saves it, and XLSX.

Excel in a Spanish locale saves "CSV" as Windows-1252 text separated by semicolons,
and "CSV UTF-8" adds a byte order mark. The CSV format here reads the raw bytes, so it
can detect the encoding and the delimiter itself instead of trusting a setting.
"""

from __future__ import annotations

import codecs

import tablib
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from partners.imports.cells import FORMULA_PREFIXES

DELIMITERS = (";", ",", "\t")


class SpreadsheetFileError(ValueError):
    """A file that cannot be read as a table, with a message translated for staff."""


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without a byte order mark) or UTF-16 with a mark, else cp1252."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError:
        raise SpreadsheetFileError(
            _("The file declares a Unicode encoding but contains invalid bytes.")
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise SpreadsheetFileError(
            _("The file is neither UTF-8 nor Windows-1252 text; save it again as CSV UTF-8.")
        ) from None


def detect_delimiter(text: str) -> str:
    """Return the delimiter among ``; , tab`` that occurs most in the header line."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: 0 for delimiter in DELIMITERS}
    in_quotes = False
    for ch in header:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def uses_decimal_comma() -> bool:
    return get_format("DECIMAL_SEPARATOR") == ","


def _escape_cells(dataset: tablib.Dataset, prefixes: tuple[str, ...]) -> tablib.Dataset:
    """Return a copy whose text cells starting with a formula character get an apostrophe.

    A spreadsheet would otherwise run ``=HYPERLINK(...)`` typed by a partner in its
    display name. The import strips the apostrophe again.
    """
    escaped = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        escaped.append(
            [
                f"'{cell}" if isinstance(cell, str) and cell.startswith(prefixes) else cell
                for cell in row
            ]
        )
    return escaped


class SpreadsheetCSV(base_formats.CSV):
    """CSV that reads any of the encodings and delimiters Excel writes.

    It exports UTF-8 with a byte order mark, separated by semicolons when the active
    language writes decimals with a comma (as Excel expects in Spanish) and by
    commas otherwise.
    """

    def is_binary(self) -> bool:
        # Binary, so django-import-export hands over raw bytes and does not decode
        # them with one fixed encoding first.
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs) -> tablib.Dataset:
        text = in_stream if isinstance(in_stream, str) else decode_text(in_stream)
        dataset = tablib.Dataset()
        if text.strip():
            dataset.load(text, format="csv", delimiter=detect_delimiter(text))
        return dataset

    def export_data(self, dataset, **kwargs) -> bytes:
        delimiter = ";" if uses_decimal_comma() else ","
        text = _escape_cells(dataset, FORMULA_PREFIXES).export("csv", delimiter=delimiter)
        return codecs.BOM_UTF8 + text.encode("utf-8")

    def get_content_type(self) -> str:
        return "text/csv; charset=utf-8"


class SpreadsheetXLSX(base_formats.XLSX):
    """XLSX whose exported text never starts with ``=``, which openpyxl would store as a formula."""

    def create_dataset(self, in_stream) -> tablib.Dataset:
        try:
            return super().create_dataset(in_stream)
        except StopIteration:
            # An empty sheet has no header row.
            return tablib.Dataset()

    def export_data(self, dataset, **kwargs):
        return super().export_data(_escape_cells(dataset, ("=",)), **kwargs)


PARTNER_FORMATS = [SpreadsheetCSV, SpreadsheetXLSX]
