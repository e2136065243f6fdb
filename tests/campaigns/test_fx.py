import datetime as dt
from decimal import Decimal

import pytest

from campaigns import fx
from campaigns.models import ExchangeRate

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def _rate(base, quote, rate, valid_on):
    ExchangeRate.objects.create(base=base, quote=quote, rate=Decimal(rate), valid_on=valid_on)


def test_rate_on_same_currency_is_one():
    assert fx.rate_on(base="COP", quote="COP", day=DAY) == Decimal("1")


def test_rate_on_uses_latest_rate_on_or_before_day():
    _rate("USD", "COP", "3900", dt.date(2026, 3, 1))
    _rate("USD", "COP", "4000", dt.date(2026, 3, 9))
    _rate("USD", "COP", "4100", dt.date(2026, 3, 11))
    assert fx.rate_on(base="USD", quote="COP", day=DAY) == Decimal("4000")


def test_rate_on_inverts_reverse_pair():
    _rate("COP", "USD", "0.00025", dt.date(2026, 3, 1))
    assert fx.rate_on(base="USD", quote="COP", day=DAY) == Decimal("4000")


def test_rate_on_prefers_more_recent_inverse_pair():
    _rate("USD", "COP", "3900", dt.date(2026, 3, 1))
    _rate("COP", "USD", "0.00025", dt.date(2026, 3, 5))
    assert fx.rate_on(base="USD", quote="COP", day=DAY) == Decimal("4000")


def test_rate_on_prefers_direct_pair_on_tie():
    _rate("USD", "COP", "3900", dt.date(2026, 3, 5))
    _rate("COP", "USD", "0.00025", dt.date(2026, 3, 5))
    assert fx.rate_on(base="USD", quote="COP", day=DAY) == Decimal("3900")


def test_rate_on_without_rate_is_none():
    _rate("USD", "COP", "4000", dt.date(2026, 3, 11))
    assert fx.rate_on(base="USD", quote="COP", day=DAY) is None


def test_rate_on_rounds_inverse_to_eight_places():
    _rate("EUR", "USD", "3", dt.date(2026, 3, 1))
    assert fx.rate_on(base="USD", quote="EUR", day=DAY) == Decimal("0.33333333")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.555", "USD", "10.56"),
        ("1234.5", "COP", "1235"),
        ("7.4", "JPY", "7"),
        ("1.2345", "KWD", "1.23"),
    ],
)
def test_quantize_money_rounds_to_currency_digits(amount, currency, expected):
    assert fx.quantize_money(Decimal(amount), currency) == Decimal(expected)
