"""Header handling shared by every resource that reads spreadsheets staff keep.

A resource names its columns once (``column_labels``, translated), lists other
spellings staff use (``header_aliases``) and the columns a file must have
(``required_columns``). The mixin maps a file's headers to field names, reports
duplicate and missing columns, skips blank rows and labels row errors with the
file's own headers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from partners.imports import cells
from partners.imports.formats import SpreadsheetFileError


class SpreadsheetColumnsMixin:
    column_labels: dict = {}
    header_aliases: dict[str, tuple[str, ...]] = {}
    required_columns: tuple[str, ...] = ()

    def header_lookup(self) -> dict[str, str]:
        """Map folded header spellings, including the translated labels, to field names."""
        lookup: dict[str, str] = {}
        for name, aliases in self.header_aliases.items():
            for alias in (name, *aliases):
                lookup.setdefault(cells.fold(alias), name)
        for spoken in ("en", "es", translation.get_language() or "en"):
            with translation.override(spoken):
                for name, label in self.column_labels.items():
                    lookup.setdefault(cells.fold(str(label)), name)
        return lookup

    def _canonical_headers(self, headers: list) -> list[str]:
        lookup = self.header_lookup()
        canonical: list[str] = []
        for header in headers:
            text = cells.cell_text(header).lstrip("\ufeff")
            name = lookup.get(cells.fold(text))
            if name is None:
                # Unknown columns (notes, report extras such as reach) are kept and ignored.
                canonical.append(text)
                continue
            if name in self._file_headers:
                raise SpreadsheetFileError(
                    _("The columns “%(first)s” and “%(second)s” both contain %(label)s.")
                    % {
                        "first": self._file_headers[name],
                        "second": text,
                        "label": self.column_labels[name],
                    }
                )
            self._file_headers[name] = text
            canonical.append(name)
        missing = [
            str(self.column_labels[name]) for name in self.required_columns if name not in canonical
        ]
        if missing:
            raise SpreadsheetFileError(
                _("The file has no column for: %(columns)s. The first row must hold the headers.")
                % {"columns": ", ".join(missing)}
            )
        return canonical

    def import_row(self, row, instance_loader, **kwargs):
        if all(not cells.cell_text(value) for value in row.values()):
            # Spreadsheets often end with empty rows, which are skipped rather than reported.
            blank = self.get_row_result_class()()
            blank.import_type = blank.IMPORT_TYPE_SKIP
            return blank
        row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.validation_error is not None:
            row_result.validation_error = self._labelled(row_result.validation_error)
        return row_result

    def _labelled(self, error: ValidationError) -> ValidationError:
        """Return the error keyed by column headers instead of model field names."""
        if not hasattr(error, "error_dict"):
            return error
        return ValidationError(
            {
                self.column_label(name) if name != "__all__" else name: messages
                for name, messages in error.error_dict.items()
            }
        )
