import datetime as dt
from decimal import Decimal

import pytest

from campaigns import kpis, selectors
from campaigns.models import AdSpend, ExchangeRate
from tests.campaigns.metric_rows import add_bucket
from tests.factories import PartnerFactory, active_campaign_with_link

# 10:00 in Bogotá (UTC-5) on 2 November 2026.
MORNING = dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC)


def test_ctr_divides_clicks_by_impressions():
    assert kpis.ctr(clicks=25, impressions=1000) == Decimal("0.025000")


def test_ctr_without_impressions_is_none():
    assert kpis.ctr(clicks=25, impressions=0) is None


def test_ctr_with_unknown_impressions_is_none():
    assert kpis.ctr(clicks=25, impressions=None) is None


def test_conversion_rate_divides_conversions_by_clicks():
    assert kpis.conversion_rate(conversions=3, clicks=200) == Decimal("0.015000")


def test_conversion_rate_without_clicks_is_none():
    assert kpis.conversion_rate(conversions=0, clicks=0) is None


def test_epc_divides_payout_by_clicks():
    assert kpis.epc(payout=Decimal("100"), clicks=3) == Decimal("33.33")


def test_cpa_divides_payout_by_conversions():
    assert kpis.cpa(payout=Decimal("100"), conversions=4) == Decimal("25.00")


def test_cpa_without_conversions_is_none():
    assert kpis.cpa(payout=Decimal("100"), conversions=0) is None


def test_roas_counts_payout_and_ad_cost():
    roas = kpis.roas(revenue=Decimal("900"), payout=Decimal("100"), ad_cost=Decimal("200"))

    assert roas == Decimal("3.0000")


def test_roas_with_unknown_ad_cost_is_none():
    assert kpis.roas(revenue=Decimal("900"), payout=Decimal("100"), ad_cost=None) is None


def test_roas_without_spend_is_none():
    assert kpis.roas(revenue=Decimal("900"), payout=Decimal("0"), ad_cost=Decimal("0")) is None


def test_totals_lists_every_kpi():
    assert set(kpis.Totals().kpis()) == set(kpis.KPI_NAMES)


# Selectors.


@pytest.fixture
def campaign_partner(db):
    campaign, enrollment, _link = active_campaign_with_link()
    return campaign, enrollment.partner


@pytest.mark.django_db
def test_series_groups_buckets_by_local_day(campaign_partner):
    campaign, partner = campaign_partner
    add_bucket(campaign, partner, MORNING, clicks=10)
    # 02:00 UTC on the 3rd is 21:00 on the 2nd in Bogotá.
    add_bucket(campaign, partner, dt.datetime(2026, 11, 3, 2, tzinfo=dt.UTC), clicks=5)

    series = selectors.metric_series(
        campaign=campaign,
        date_from=dt.date(2026, 11, 2),
        date_to=dt.date(2026, 11, 3),
        granularity="day",
    )

    assert [point.totals.clicks for point in series] == [15, 0]


@pytest.mark.django_db
def test_series_for_staff_includes_every_partner(campaign_partner):
    campaign, partner = campaign_partner
    add_bucket(campaign, partner, MORNING, clicks=10)
    add_bucket(campaign, PartnerFactory(status="active"), MORNING, clicks=4)

    series = selectors.metric_series(
        campaign=campaign,
        date_from=dt.date(2026, 11, 2),
        date_to=dt.date(2026, 11, 2),
        granularity="day",
    )

    assert series[0].totals.clicks == 14


@pytest.mark.django_db
def test_series_filtered_by_partner(campaign_partner):
    campaign, partner = campaign_partner
    add_bucket(campaign, partner, MORNING, clicks=10)
    add_bucket(campaign, PartnerFactory(status="active"), MORNING, clicks=4)

    series = selectors.metric_series(
        campaign=campaign,
        date_from=dt.date(2026, 11, 2),
        date_to=dt.date(2026, 11, 2),
        granularity="day",
        partner_id=partner.pk,
    )

    assert series[0].totals.clicks == 10


@pytest.mark.django_db
def test_series_adds_ad_spend_to_daily_points(campaign_partner):
    campaign, partner = campaign_partner
    add_bucket(campaign, partner, MORNING, clicks=50, revenue="1000", payout="100")
    AdSpend.objects.create(
        campaign=campaign,
        day=dt.date(2026, 11, 2),
        source="google",
        impressions=2000,
        cost=Decimal("150"),
        currency="COP",
    )

    point = selectors.metric_series(
        campaign=campaign,
        date_from=dt.date(2026, 11, 2),
        date_to=dt.date(2026, 11, 2),
        granularity="day",
    )[0]

    kpi_values = point.totals.kpis()
    assert kpi_values["ctr"] == Decimal("0.025000")
    assert kpi_values["roas"] == Decimal("4.0000")


@pytest.mark.django_db
def test_series_hourly_points_leave_ad_data_unknown(campaign_partner):
    campaign, _partner = campaign_partner

    series = selectors.metric_series(
        campaign=campaign,
        date_from=dt.date(2026, 11, 2),
        date_to=dt.date(2026, 11, 2),
        granularity="hour",
    )

    assert len(series) == 24
    assert series[0].totals.ad_cost is None


@pytest.mark.django_db
def test_totals_convert_ad_cost_to_campaign_currency(campaign_partner):
    campaign, partner = campaign_partner
    add_bucket(campaign, partner, MORNING, revenue="12000", payout="2000")
    ExchangeRate.objects.create(
        base="USD", quote="COP", rate=Decimal("4000"), valid_on=dt.date(2026, 11, 1)
    )
    AdSpend.objects.create(
        campaign=campaign,
        day=dt.date(2026, 11, 2),
        source="meta",
        impressions=10,
        cost=Decimal("1"),
        currency="USD",
    )

    totals = selectors.metric_totals(campaign=campaign)

    assert totals.ad_cost == Decimal("4000")
    assert totals.kpis()["roas"] == Decimal("2.0000")


@pytest.mark.django_db
def test_totals_for_partner_leave_ad_data_unknown(campaign_partner):
    campaign, partner = campaign_partner
    add_bucket(campaign, partner, MORNING, clicks=3)

    totals = selectors.metric_totals(campaign=campaign, partner_id=partner.pk)

    assert totals.clicks == 3
    assert totals.impressions is None


@pytest.mark.parametrize(
    ("granularity", "expected"),
    [
        ("day", 31),
        ("week", 5),
        ("month", 2),
    ],
)
def test_period_starts_cover_range(granularity, expected):
    starts = selectors.period_starts(dt.date(2026, 10, 15), dt.date(2026, 11, 14), granularity)

    assert len(starts) == expected


def test_period_start_of_month_is_local_midnight():
    start = selectors.period_start(MORNING, selectors.Granularity.MONTH)

    assert start.isoformat() == "2026-11-01T00:00:00-05:00"
