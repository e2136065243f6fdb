"""Metric reads shared by the API, the admin, live dashboards and alerts.

Buckets hold one campaign × partner × UTC hour. Series regroup them by hour, day,
week (starting on Monday) or month in the campaign's time zone, which is
``settings.TIME_ZONE``, and report every period in the range, empty ones included.
Ad-platform spend is per campaign and day, so it appears only in daily or longer
periods of a whole campaign. Elsewhere ``impressions`` and ``ad_cost`` are None.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncDay, TruncHour, TruncMonth, TruncWeek

from campaigns import fx
from campaigns.kpis import Totals
from campaigns.models import AdSpend, Campaign, MetricBucket

logger = logging.getLogger(__name__)

COUNT_FIELDS = ("clicks", "unique_clicks", "conversions")
MONEY_FIELDS = ("revenue", "payout")


class Granularity(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


_TRUNCATE = {
    Granularity.HOUR: TruncHour,
    Granularity.DAY: TruncDay,
    Granularity.WEEK: TruncWeek,
    Granularity.MONTH: TruncMonth,
}


@dataclass(frozen=True)
class SeriesPoint:
    """One period of a series: its start in the campaign's time zone and its totals."""

    period_start: dt.datetime
    totals: Totals


def campaign_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: dt.date) -> dt.datetime:
    """Return the start of ``day`` in the campaign's time zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=campaign_zone())


def period_start(moment: dt.datetime | dt.date, granularity: Granularity) -> dt.datetime:
    """Return the start of the period containing ``moment``, in the campaign's time zone."""
    if isinstance(moment, dt.datetime):
        local = moment.astimezone(campaign_zone())
    else:
        local = local_midnight(moment)
    if granularity == Granularity.HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if granularity == Granularity.WEEK:
        day -= dt.timedelta(days=day.weekday())
    elif granularity == Granularity.MONTH:
        day = day.replace(day=1)
    return local_midnight(day)


def period_starts(
    date_from: dt.date, date_to: dt.date, granularity: Granularity
) -> list[dt.datetime]:
    """Return the start of every period that overlaps ``date_from`` to ``date_to`` inclusive."""
    end = local_midnight(date_to + dt.timedelta(days=1))
    if granularity == Granularity.HOUR:
        # Step in UTC, so a daylight-saving change neither skips nor repeats an hour.
        moment = local_midnight(date_from).astimezone(dt.UTC)
        starts = []
        while moment < end:
            starts.append(moment.astimezone(campaign_zone()))
            moment += dt.timedelta(hours=1)
        return starts
    starts = []
    start = period_start(date_from, granularity)
    while start < end:
        starts.append(start)
        day = start.date()
        if granularity == Granularity.DAY:
            day += dt.timedelta(days=1)
        elif granularity == Granularity.WEEK:
            day += dt.timedelta(days=7)
        else:
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        start = local_midnight(day)
    return starts


def _buckets(campaign: Campaign, partner_id: int | None, start: dt.datetime, end: dt.datetime):
    queryset = MetricBucket.objects.filter(campaign=campaign, hour__gte=start, hour__lt=end)
    if partner_id is not None:
        queryset = queryset.filter(partner_id=partner_id)
    return queryset


def _sums(row: dict) -> dict:
    values = {name: row.get(name) or 0 for name in COUNT_FIELDS}
    values.update({name: row.get(name) or Decimal("0") for name in MONEY_FIELDS})
    return values


def ad_spend_by_day(
    *, campaign: Campaign, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, tuple[int, Decimal | None]]:
    """Return impressions and ad cost per day, the cost in the campaign's currency.

    A day whose cost is in another currency without a stored exchange rate has an
    unknown (None) cost.
    """
    days: dict[dt.date, tuple[int, Decimal | None]] = {}
    rows = AdSpend.objects.filter(campaign=campaign, day__gte=date_from, day__lte=date_to)
    for row in rows.values("day", "impressions", "cost", "currency"):
        rate = fx.rate_on(base=row["currency"], quote=campaign.currency, day=row["day"])
        if rate is None:
            logger.warning(
                "no exchange rate from %s to %s on %s: ad cost of campaign %s left out",
                row["currency"],
                campaign.currency,
                row["day"],
                campaign.pk,
            )
        cost = None if rate is None else row["cost"] * rate
        impressions, previous_cost = days.get(row["day"], (0, Decimal("0")))
        total_cost = None if cost is None or previous_cost is None else previous_cost + cost
        days[row["day"]] = (impressions + row["impressions"], total_cost)
    return days


def metric_series(
    *,
    campaign: Campaign,
    date_from: dt.date,
    date_to: dt.date,
    granularity: Granularity | str,
    partner_id: int | None = None,
) -> list[SeriesPoint]:
    """Return one point per period from ``date_from`` to ``date_to``, both inclusive.

    Staff may pass any ``partner_id`` or None for the whole campaign; partner-facing
    callers always pass the caller's own partner.
    """
    granularity = Granularity(granularity)
    starts = period_starts(date_from, date_to, granularity)
    start = local_midnight(date_from)
    end = local_midnight(date_to + dt.timedelta(days=1))

    truncate = _TRUNCATE[granularity]
    rows = (
        _buckets(campaign, partner_id, start, end)
        .annotate(period=truncate("hour", tzinfo=campaign_zone()))
        .values("period")
        .annotate(**{name: Sum(name) for name in COUNT_FIELDS + MONEY_FIELDS})
    )
    by_period = {row["period"]: _sums(row) for row in rows}

    with_ad_data = partner_id is None and granularity != Granularity.HOUR
    ad_data: dict[dt.datetime, list] = defaultdict(lambda: [0, Decimal("0")])
    if with_ad_data:
        spend = ad_spend_by_day(campaign=campaign, date_from=date_from, date_to=date_to)
        for day, (impressions, cost) in spend.items():
            entry = ad_data[period_start(day, granularity)]
            entry[0] += impressions
            entry[1] = None if cost is None or entry[1] is None else entry[1] + cost

    points = []
    for period in starts:
        values = by_period.get(period) or _sums({})
        if with_ad_data:
            impressions, ad_cost = ad_data[period]
            values.update(impressions=impressions, ad_cost=ad_cost)
        points.append(SeriesPoint(period_start=period, totals=Totals(**values)))
    return points


def metric_totals(
    *,
    campaign: Campaign,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    partner_id: int | None = None,
) -> Totals:
    """Return the totals of a campaign, or of one partner in it, over a range of days.

    Without dates the totals cover the campaign's whole history.
    """
    queryset = MetricBucket.objects.filter(campaign=campaign)
    if partner_id is not None:
        queryset = queryset.filter(partner_id=partner_id)
    if date_from is not None:
        queryset = queryset.filter(hour__gte=local_midnight(date_from))
    if date_to is not None:
        queryset = queryset.filter(hour__lt=local_midnight(date_to + dt.timedelta(days=1)))
    values = _sums(queryset.aggregate(**{name: Sum(name) for name in COUNT_FIELDS + MONEY_FIELDS}))

    if partner_id is None:
        spend = ad_spend_by_day(
            campaign=campaign,
            date_from=date_from or dt.date.min,
            date_to=date_to or dt.date.max,
        )
        costs = [cost for _impressions, cost in spend.values()]
        values["impressions"] = sum(impressions for impressions, _cost in spend.values())
        values["ad_cost"] = None if None in costs else sum(costs, Decimal("0"))
    return Totals(**values)


def hourly_counts(
    *, campaign: Campaign, metric: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, int]]:
    """Return ``metric`` per UTC hour from ``start`` to ``end`` (exclusive), zeros included."""
    rows = (
        MetricBucket.objects.filter(campaign=campaign, hour__gte=start, hour__lt=end)
        .values("hour")
        .annotate(total=Sum(metric))
    )
    by_hour = {row["hour"]: row["total"] for row in rows}
    series = []
    moment = start
    while moment < end:
        series.append((moment, by_hour.get(moment, 0)))
        moment += dt.timedelta(hours=1)
    return series
