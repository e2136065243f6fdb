"""The one definition of each campaign KPI, used by the API, the admin, pages and alerts.

Every ratio is None when its denominator is zero, so "no data" never shows as 0 %.
Rates are fractions (0.0525 means 5.25 %) with 6 decimal places. Money per click or
per conversion has 2 decimal places in the campaign's currency, and ROAS is a ratio
with 4 decimal places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RATE_PLACES = Decimal("0.000001")
MONEY_PLACES = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


def _ratio(numerator, denominator, places: Decimal) -> Decimal | None:
    if numerator is None or denominator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_UP)


def ctr(*, clicks: int, impressions: int | None) -> Decimal | None:
    """Click-through rate: clicks per ad impression, from imported ad-platform reports."""
    return _ratio(clicks, impressions, RATE_PLACES)


def conversion_rate(*, conversions: int, clicks: int) -> Decimal | None:
    """Approved conversions per billable click."""
    return _ratio(conversions, clicks, RATE_PLACES)


def epc(*, payout: Decimal, clicks: int) -> Decimal | None:
    """Earnings per click: partner payout per billable click."""
    return _ratio(payout, clicks, MONEY_PLACES)


def cpa(*, payout: Decimal, conversions: int) -> Decimal | None:
    """Cost per action: partner payout per approved conversion."""
    return _ratio(payout, conversions, MONEY_PLACES)


def roas(*, revenue: Decimal, payout: Decimal, ad_cost: Decimal | None) -> Decimal | None:
    """Return on ad spend: revenue per unit spent on partner payouts and ad platforms.

    ``ad_cost`` is None where ad spend cannot be attributed (an hour, or one partner's
    slice of a campaign), and then ROAS is None too rather than a figure that
    silently leaves the ad cost out.
    """
    if ad_cost is None:
        return None
    return _ratio(revenue, Decimal(payout) + Decimal(ad_cost), RATIO_PLACES)


@dataclass(frozen=True)
class Totals:
    """Summed counts and money for a period; ``impressions`` and ``ad_cost`` may be unknown."""

    clicks: int = 0
    unique_clicks: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal("0")
    payout: Decimal = Decimal("0")
    impressions: int | None = None
    ad_cost: Decimal | None = None

    def kpis(self) -> dict[str, Decimal | None]:
        """Return every KPI of these totals by name."""
        return {
            "ctr": ctr(clicks=self.clicks, impressions=self.impressions),
            "conversion_rate": conversion_rate(conversions=self.conversions, clicks=self.clicks),
            "epc": epc(payout=self.payout, clicks=self.clicks),
            "cpa": cpa(payout=self.payout, conversions=self.conversions),
            "roas": roas(revenue=self.revenue, payout=self.payout, ad_cost=self.ad_cost),
        }

    def as_dict(self) -> dict:
        """Return the totals and their KPIs as one flat mapping."""
        return {
            "clicks": self.clicks,
            "unique_clicks": self.unique_clicks,
            "conversions": self.conversions,
            "revenue": self.revenue,
            "payout": self.payout,
            "impressions": self.impressions,
            "ad_cost": self.ad_cost,
            **self.kpis(),
        }


KPI_NAMES = ("ctr", "conversion_rate", "epc", "cpa", "roas")
