"""Validation and normalisation of tax ids, phone numbers and payout accounts.

Tax ids are checked with python-stdnum, per country; phones are parsed with
phonenumbers and stored in E.164; IBAN and BIC are checked with schwifty.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import get_cc_module
from stdnum.ar import cuit
from stdnum.br import cnpj, cpf
from stdnum.cl import rut
from stdnum.co import nit
from stdnum.es import nif
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.mx import rfc
from stdnum.pe import ruc
from stdnum.us import ein


@dataclass(frozen=True)
class TaxIdScheme:
    label: str
    modules: tuple[ModuleType, ...]


# The national business tax ids checked by their own algorithm; Brazil also accepts
# a CPF because many influencers invoice as individuals.
TAX_ID_SCHEMES: dict[str, TaxIdScheme] = {
    "CO": TaxIdScheme("NIT", (nit,)),
    "MX": TaxIdScheme("RFC", (rfc,)),
    "CL": TaxIdScheme("RUT", (rut,)),
    "AR": TaxIdScheme("CUIT", (cuit,)),
    "PE": TaxIdScheme("RUC", (ruc,)),
    "BR": TaxIdScheme("CNPJ/CPF", (cnpj, cpf)),
    "ES": TaxIdScheme("NIF", (nif,)),
    "US": TaxIdScheme("EIN", (ein,)),
}


def _modules_for(country: str) -> tuple[ModuleType, ...]:
    scheme = TAX_ID_SCHEMES.get(country)
    if scheme is not None:
        return scheme.modules
    try:
        module = get_cc_module(country.lower(), "vat")
    except (ImportError, ValueError):
        return ()
    return (module,) if module is not None else ()


def normalize_tax_id(value: str, country: str) -> str:
    """Return ``value`` in its compact form, or raise ``ValidationError`` when invalid.

    Countries without a stdnum checker keep the id with spaces, dots and dashes
    removed, so the same id typed two ways still matches.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("The tax id is required."), code="required")
    modules = _modules_for(country)
    if not modules:
        return "".join(ch for ch in raw.upper() if ch.isalnum())
    for module in modules:
        try:
            return module.validate(raw)
        except StdnumError:
            continue
    scheme = TAX_ID_SCHEMES.get(country)
    raise ValidationError(
        _("%(value)s is not a valid %(scheme)s for %(country)s.")
        % {"value": raw, "scheme": scheme.label if scheme else _("tax id"), "country": country},
        code="invalid_tax_id",
    )


def format_tax_id(value: str, country: str) -> str:
    """Return the compact tax id in the country's usual printed form."""
    for module in _modules_for(country):
        if hasattr(module, "format") and module.is_valid(value):
            return module.format(value)
    return value


# Forms accept phones as people type them, such as "+57 (604) 510 - 90 00" (21
# characters); the model stores E.164, which has at most 16.
PHONE_INPUT_MAX_LENGTH = 32


def phone_for_storage(value: str, country: str | None) -> str:
    """Return the phone in E.164 if it is valid, else ``value`` unchanged for clean() to report."""
    try:
        return normalize_phone(value, country)
    except ValidationError:
        return value


def normalize_phone(value: str, country: str | None) -> str:
    """Return the phone in E.164, reading national numbers in ``country``'s plan."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, (country or None) and country.upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(value)s is not a valid phone number.") % {"value": raw}, code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException:
        raise ValidationError(
            _("%(value)s is not a valid IBAN.") % {"value": value}, code="invalid_iban"
        ) from None


def normalize_bic(value: str) -> str:
    try:
        return BIC(value).compact
    except SchwiftyException:
        raise ValidationError(
            _("%(value)s is not a valid BIC.") % {"value": value}, code="invalid_bic"
        ) from None
