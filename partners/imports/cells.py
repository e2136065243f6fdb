"""Parsing of spreadsheet cells as staff type them in Excel, in Spanish or English.

Every parser takes the raw cell (a string from CSV, or a number or date from XLSX)
and raises ``ValueError`` with a translated message when the value cannot be read.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

# Characters that make Excel and LibreOffice read a cell as a formula. The export
# prefixes such cells with an apostrophe, and the import removes it again.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Day-first formats first: staff in Colombia write 03/02/2024 for 3 February.
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d")


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without accents and without non-alphanumerics."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if ch.isalnum())


def cell_text(value) -> str:
    """Return the cell as stripped text. Whole numbers lose Excel's trailing ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\u00a0", " ").strip()
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def parse_decimal(value) -> Decimal | None:
    """Read ``12,5``, ``12.5``, ``12,5 %`` or a spreadsheet number. A blank cell gives None."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    text = cell_text(value).replace("%", "").replace(" ", "")
    if not text:
        return None
    if "," in text:
        # A comma is the decimal separator, so any dot groups thousands.
        text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(_("%(value)s is not a number.") % {"value": cell_text(value)})
    return number


def parse_date(value) -> dt.date | None:
    """Read ``dd/mm/yyyy``, ``yyyy-mm-dd`` or a spreadsheet date. A blank cell gives None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValueError(_("%(value)s is not a valid date; write it as dd/mm/yyyy.") % {"value": text})


@lru_cache(maxsize=4)
def _country_names(language: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for spoken in ("en", "es", language):
        with translation.override(spoken):
            for code, name in countries:
                names.setdefault(fold(str(name)), code)
    return names


def find_country(value) -> str | None:
    """Return the ISO code for a code (CO, COL) or a name in Spanish or English."""
    text = cell_text(value)
    if not text:
        return None
    code = countries.alpha2(text)
    if code:
        return code
    return _country_names(translation.get_language() or "en").get(fold(text))


def parse_country(value) -> str:
    """Return the ISO code of the cell's country, or an empty string for a blank cell."""
    text = cell_text(value)
    if not text:
        return ""
    code = find_country(text)
    if code is None:
        raise ValueError(
            _("%(value)s is not a known country; use an ISO code such as CO or the country's name.")
            % {"value": text}
        )
    return code


def label_lookup(choices, aliases: dict[str, str]) -> dict[str, str]:
    """Map folded values, labels in Spanish, English and the active language, and aliases."""
    lookup = {fold(alias): value for alias, value in aliases.items()}
    for spoken in ("en", "es", translation.get_language() or "en"):
        with translation.override(spoken):
            for value, label in choices:
                lookup.setdefault(fold(str(label)), value)
    for value, _label in choices:
        lookup.setdefault(fold(value), value)
    return lookup


def parse_choice(value, choices, aliases: dict[str, str]) -> str:
    """Return the stored value for a choice typed as its value or label."""
    text = cell_text(value)
    if not text:
        return ""
    found = label_lookup(choices, aliases).get(fold(text))
    if found is None:
        labels = ", ".join(str(label) for _value, label in choices)
        raise ValueError(
            _("%(value)s is not one of the accepted values: %(choices)s.")
            % {"value": text, "choices": labels}
        )
    return found


_TAX_ID_SEPARATORS = re.compile(r"[\s.\-/]")


def compact_tax_id(text: str) -> str:
    """Return the tax id without spaces, dots, dashes or slashes, upper-cased."""
    return _TAX_ID_SEPARATORS.sub("", text).upper()
