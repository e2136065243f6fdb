"""File formats for partner spreadsheets: delimited text as Excel saves it, and XLSX.

Excel in a Spanish locale saves "CSV" as Windows-1252 text separated by semicolons,
and "CSV UTF-8" adds a byte order mark. The CSV format here reads the raw bytes, so it
can detect the encoding and the delimiter itself instead of trusting a setting.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable

import openpyxl
import tablib
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from import_export.formats import base_formats
from openpyxl.utils.exceptions import InvalidFileException

from partners.imports.cells import FORMULA_PREFIXES

DELIMITERS = (";", ",", "\t")


class SpreadsheetFileError(ValueError):
    """A file that cannot be read as a table, with a message translated for staff."""


# Every ZIP file, and so every .xlsx workbook, starts with these bytes.
ZIP_SIGNATURE = b"PK\x03\x04"


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without a byte order mark) or UTF-16 with a mark, else cp1252."""
    if data.startswith(ZIP_SIGNATURE):
        raise SpreadsheetFileError(
            _(
                "The file is an Excel workbook, not CSV text. Choose the xlsx format, or save "
                "the sheet again as CSV UTF-8."
            )
        )
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


def _cell_text_or_value(value):
    # An empty spreadsheet cell is None, which pages would print as "None".
    return "" if value is None else value


def table_from_rows(rows: Iterable[list]) -> tablib.Dataset:
    """Return the rows as a dataset whose first row is the header row.

    Empty cells become empty strings, and rows shorter than the header row are
    padded. A row with text beyond the last header raises ``SpreadsheetFileError``
    naming the row, numbered as the import's results number them (the first row
    after the headers is row 1).
    """
    dataset = tablib.Dataset()
    rows = iter(rows)
    headers = next(rows, None)
    if headers is None:
        return dataset
    headers = [_cell_text_or_value(cell) for cell in headers]
    dataset.headers = headers
    width = len(headers)
    for number, row in enumerate(rows, start=1):
        cells = [_cell_text_or_value(cell) for cell in row]
        if any(str(cell).strip() for cell in cells[width:]):
            raise SpreadsheetFileError(_too_wide_message(number, cells, width))
        dataset.append(cells[:width] + [""] * (width - len(cells)))
    return dataset


def _too_wide_message(number: int, cells: list, width: int) -> str:
    values = {"row": number, "cells": len(cells), "columns": width}
    first_cell = str(cells[0]).strip() if cells else ""
    if first_cell:
        return _(
            "Row %(row)d (%(first_cell)s) has %(cells)d cells, but the header row names "
            "%(columns)d columns. Remove the extra cells or give them a header."
        ) % {**values, "first_cell": first_cell}
    return (
        _(
            "Row %(row)d has %(cells)d cells, but the header row names %(columns)d columns. "
            "Remove the extra cells or give them a header."
        )
        % values
    )


def read_csv_rows(text: str) -> list[list[str]]:
    """Return the CSV text's rows, without the empty lines between them."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    try:
        return [row for row in reader if row]
    except csv.Error as exc:
        raise SpreadsheetFileError(
            _(
                "Line %(line)d cannot be read as CSV. Check its quotes, or save the sheet "
                "again as CSV UTF-8."
            )
            % {"line": reader.line_num}
        ) from exc


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
        if not text.strip():
            return tablib.Dataset()
        return table_from_rows(read_csv_rows(text))

    def export_data(self, dataset, **kwargs) -> bytes:
        delimiter = ";" if uses_decimal_comma() else ","
        text = _escape_cells(dataset, FORMULA_PREFIXES).export("csv", delimiter=delimiter)
        return codecs.BOM_UTF8 + text.encode("utf-8")

    def get_content_type(self) -> str:
        return "text/csv; charset=utf-8"


class SpreadsheetXLSX(base_formats.XLSX):
    """XLSX read from the first sheet, whose exported text never starts with ``=``.

    openpyxl would store such text as a formula.
    """

    def create_dataset(self, in_stream) -> tablib.Dataset:
        try:
            # data_only reads the value a formula cell last showed, not the formula.
            workbook = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
            raise SpreadsheetFileError(
                _(
                    "The file is not an Excel workbook (.xlsx). Choose the format that matches "
                    "the file, or save it again as .xlsx."
                )
            ) from exc
        try:
            return table_from_rows(workbook.active.iter_rows(values_only=True))
        finally:
            workbook.close()

    def export_data(self, dataset, **kwargs):
        return super().export_data(_escape_cells(dataset, ("=",)), **kwargs)


PARTNER_FORMATS = [SpreadsheetCSV, SpreadsheetXLSX]
