"""ISO 4217 currencies, with names in the active language, from Babel's data."""

from babel.core import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.utils.translation import get_language, to_locale

ISO_CURRENCIES = frozenset(list_currencies())


def currency_choices() -> list[tuple[str, str]]:
    locale = Locale.parse(to_locale(get_language() or "es"))
    return sorted(
        ((code, f"{code} · {locale.currencies.get(code, code)}") for code in ISO_CURRENCIES),
        key=lambda item: item[0],
    )


def format_money(amount, currency: str) -> str:
    """Format an amount in the active language's style, rounded to the currency's digits."""
    return format_currency(amount, currency, locale=to_locale(get_language() or "es"))


def currency_digits(currency: str) -> int:
    return get_currency_precision(currency)
