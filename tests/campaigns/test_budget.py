import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import budgets
from campaigns.models import Campaign, DailySpend, Enrollment
from tests.factories import active_campaign_with_link

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True, params=["native", "one_by_one"])
def adding(request, monkeypatch):
    """Run every test with the database's own way of adding and with the portable one."""
    if request.param == "one_by_one":
        monkeypatch.setattr(budgets, "_add_in_one_statement", budgets._add_one_by_one)
    return request.param


def _reserve(campaign, enrollment=None, payout="100.00", day=DAY):
    campaign.refresh_from_db()
    if enrollment is not None:
        enrollment.refresh_from_db()
    return budgets.reserve(
        campaign=campaign, enrollment=enrollment, payout=Decimal(payout), day=day
    )


def _daily(campaign, scope="campaign", day=DAY):
    return DailySpend.objects.get(campaign=campaign, scope=scope, day=day).spent


def test_reserve_adds_to_campaign_and_day():
    campaign, _enrollment, _link = active_campaign_with_link()
    assert _reserve(campaign) is None
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("100.00")
    assert _daily(campaign) == Decimal("100.00")


def test_reserve_adds_to_partner_counters():
    campaign, enrollment, _link = active_campaign_with_link()
    _reserve(campaign, enrollment)
    _reserve(campaign, enrollment)
    enrollment.refresh_from_db()
    assert enrollment.spent == Decimal("200.00")
    assert _daily(campaign, f"partner:{enrollment.partner_id}") == Decimal("200.00")


def test_reserve_fills_total_budget_exactly():
    campaign, _enrollment, _link = active_campaign_with_link(total_budget="200.00")
    assert _reserve(campaign) is None
    assert _reserve(campaign) is None
    refused = _reserve(campaign)
    assert refused.scope == "campaign_total"
    assert refused.spent == Decimal("200.00")
    assert refused.cap == Decimal("200.00")


def test_reserve_refusal_changes_no_counter():
    campaign, enrollment, _link = active_campaign_with_link(daily_budget="150.00")
    _reserve(campaign, enrollment)
    refused = _reserve(campaign, enrollment)
    campaign.refresh_from_db()
    enrollment.refresh_from_db()
    assert refused.scope == "campaign_daily"
    assert campaign.spent == Decimal("100.00")
    assert enrollment.spent == Decimal("100.00")
    assert _daily(campaign) == Decimal("100.00")


def test_reserve_daily_budget_resets_next_day():
    campaign, _enrollment, _link = active_campaign_with_link(daily_budget="100.00")
    _reserve(campaign)
    assert _reserve(campaign, day=DAY + dt.timedelta(days=1)) is None


def test_reserve_payout_above_daily_budget_is_refused():
    campaign, _enrollment, _link = active_campaign_with_link(daily_budget="50.00")
    refused = _reserve(campaign)
    assert refused.scope == "campaign_daily"
    assert not DailySpend.objects.exists()


def test_reserve_partner_total_cap_rolls_back_campaign():
    campaign, enrollment, _link = active_campaign_with_link()
    Enrollment.objects.filter(pk=enrollment.pk).update(total_budget=Decimal("50.00"))
    refused = _reserve(campaign, enrollment)
    campaign.refresh_from_db()
    assert refused.scope == "partner_total"
    assert refused.partner_id == enrollment.partner_id
    assert campaign.spent == Decimal("0")
    assert not DailySpend.objects.filter(spent__gt=0).exists()


def test_reserve_partner_daily_cap():
    campaign, enrollment, _link = active_campaign_with_link()
    Enrollment.objects.filter(pk=enrollment.pk).update(daily_budget=Decimal("150.00"))
    _reserve(campaign, enrollment)
    refused = _reserve(campaign, enrollment)
    assert refused.scope == "partner_daily"
    assert refused.spent == Decimal("100.00")


def test_reserve_zero_payout_touches_nothing():
    campaign, _enrollment, _link = active_campaign_with_link(total_budget="0")
    assert _reserve(campaign, payout="0") is None
    assert not DailySpend.objects.exists()


def test_release_takes_payout_back():
    campaign, enrollment, _link = active_campaign_with_link()
    _reserve(campaign, enrollment, payout="300.00")
    budgets.release(campaign_id=campaign.pk, enrollment=enrollment, payout=Decimal("100"), day=DAY)
    campaign.refresh_from_db()
    enrollment.refresh_from_db()
    assert campaign.spent == Decimal("200.00")
    assert enrollment.spent == Decimal("200.00")
    assert _daily(campaign) == Decimal("200.00")
    assert _daily(campaign, f"partner:{enrollment.partner_id}") == Decimal("200.00")


def test_spend_day_uses_site_time_zone():
    # 03:00 UTC is still the previous evening in Bogotá (UTC-5).
    moment = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    assert budgets.spend_day(moment) == dt.date(2026, 3, 1)


# Pacing


def _timed_campaign(**fields):
    campaign, _enrollment, _link = active_campaign_with_link(**fields)
    return campaign


def test_pacing_without_budget_has_no_projection():
    campaign = _timed_campaign()
    pacing = budgets.pacing(campaign)
    assert pacing.cap is None
    assert pacing.projected_exhaustion is None
    assert pacing.pace_ratio is None


def test_pacing_reports_elapsed_fraction_and_ratio():
    now = timezone.now()
    campaign = _timed_campaign(total_budget="1000.00")
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=now - dt.timedelta(days=5),
        ends_at=now + dt.timedelta(days=5),
        spent=Decimal("250.00"),
    )
    campaign.refresh_from_db()
    pacing = budgets.pacing(campaign, now=now)
    assert pacing.spent == Decimal("250.00")
    assert pacing.elapsed_fraction == pytest.approx(0.5)
    assert pacing.pace_ratio == pytest.approx(0.5)


def test_pacing_projects_exhaustion_from_average_spend():
    now = timezone.now()
    campaign = _timed_campaign(total_budget="1000.00")
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=now - dt.timedelta(days=2), spent=Decimal("500.00")
    )
    campaign.refresh_from_db()
    projected = budgets.pacing(campaign, now=now).projected_exhaustion
    assert projected == now + dt.timedelta(days=2)


def test_pacing_projection_after_end_is_none():
    now = timezone.now()
    campaign = _timed_campaign(total_budget="1000.00")
    Campaign.objects.filter(pk=campaign.pk).update(
        starts_at=now - dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=1),
        spent=Decimal("100.00"),
    )
    campaign.refresh_from_db()
    assert budgets.pacing(campaign, now=now).projected_exhaustion is None


def test_pacing_spent_budget_is_exhausted_now():
    now = timezone.now()
    campaign = _timed_campaign(total_budget="100.00")
    Campaign.objects.filter(pk=campaign.pk).update(spent=Decimal("100.00"))
    campaign.refresh_from_db()
    assert budgets.pacing(campaign, now=now).projected_exhaustion == now


def test_pacing_reports_spend_today():
    now = timezone.now()
    campaign = _timed_campaign(daily_budget="500.00")
    _reserve(campaign, day=budgets.spend_day(now))
    pacing = budgets.pacing(campaign, now=now)
    assert pacing.spent_today == Decimal("100.00")
    assert pacing.daily_cap == Decimal("500.00")


def test_reserve_campaign_total_refusal_takes_back_partner_counters():
    campaign, enrollment, _link = active_campaign_with_link(total_budget="150.00")
    _reserve(campaign, enrollment)
    refused = _reserve(campaign, enrollment)
    enrollment.refresh_from_db()
    assert (refused.scope, enrollment.spent) == ("campaign_total", Decimal("100.00"))


def test_reserve_campaign_total_refusal_takes_back_partner_day():
    campaign, enrollment, _link = active_campaign_with_link(total_budget="150.00")
    _reserve(campaign, enrollment)
    _reserve(campaign, enrollment)
    assert _daily(campaign, f"partner:{enrollment.partner_id}") == Decimal("100.00")


def test_reserve_campaign_total_refusal_takes_back_campaign_day():
    campaign, enrollment, _link = active_campaign_with_link(total_budget="150.00")
    _reserve(campaign, enrollment)
    _reserve(campaign, enrollment)
    assert _daily(campaign) == Decimal("100.00")
