"""Exchange-rate lookup for amounts reported in another currency than the campaign's."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from campaigns.models import ExchangeRate
from partners.currencies import currency_digits

# Conversion.exchange_rate has 8 decimal places, so an inverted rate is rounded to them.
RATE_PLACES = Decimal("0.00000001")
# Conversion amounts are stored with 2 decimal places whatever the currency.
MAX_STORED_DIGITS = 2


def rate_on(*, base: str, quote: str, day: dt.date) -> Decimal | None:
    """Return how many units of ``quote`` one unit of ``base`` bought on ``day``.

    The rate is the latest one valid on or before ``day``, stored either as
    ``base → quote`` or as ``quote → base`` (then inverted). When both exist the
    more recent wins, and the direct pair wins a tie. Returns None when no rate
    is stored for the pair up to that day.
    """
    if base == quote:
        return Decimal("1")
    direct = (
        ExchangeRate.objects.filter(base=base, quote=quote, valid_on__lte=day)
        .order_by("-valid_on")
        .values_list("valid_on", "rate")
        .first()
    )
    inverse = (
        ExchangeRate.objects.filter(base=quote, quote=base, valid_on__lte=day)
        .order_by("-valid_on")
        .values_list("valid_on", "rate")
        .first()
    )
    if inverse is not None and inverse[1] > 0 and (direct is None or inverse[0] > direct[0]):
        return (Decimal(1) / inverse[1]).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    if direct is not None:
        return direct[1]
    return None


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half up to the currency's minor unit, at most 2 decimal places."""
    places = min(currency_digits(currency), MAX_STORED_DIGITS)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
