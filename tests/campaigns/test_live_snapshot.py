"""Snapshots read from the metric buckets: totals, ratios, the hourly series and slices."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from campaigns import live
from tests.campaigns.live_rows import add_bucket
from tests.factories import active_campaign_with_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_campaign(partner, other_partner):
    campaign, _enrollment, _link = active_campaign_with_link(partner=partner)
    from campaigns import services

    services.invite_partner(campaign=campaign, partner=other_partner, actor=None)
    add_bucket(
        campaign,
        partner,
        clicks=40,
        unique_clicks=30,
        conversions=2,
        revenue="200.00",
        payout="20.00",
    )
    add_bucket(
        campaign,
        partner,
        hours_ago=3,
        clicks=10,
        unique_clicks=10,
        conversions=1,
        revenue="100.00",
        payout="10.00",
    )
    add_bucket(
        campaign,
        other_partner,
        clicks=1000,
        unique_clicks=900,
        conversions=50,
        revenue="9000.00",
        payout="900.00",
    )
    return campaign


def test_staff_snapshot_sums_every_partner(shared_campaign):
    snapshot = live.snapshot_for_staff(shared_campaign)

    assert snapshot["kpis"]["clicks"] == 1050
    assert snapshot["kpis"]["conversions"] == 53
    assert snapshot["kpis"]["revenue"] == "9300.00"
    assert snapshot["scope"] == "staff"


def test_staff_snapshot_breaks_down_by_partner(shared_campaign, partner, other_partner):
    snapshot = live.snapshot_for_staff(shared_campaign)

    by_partner = {row["partner_id"]: row for row in snapshot["partners"]}
    assert by_partner[partner.pk]["clicks"] == 50
    assert by_partner[other_partner.pk]["clicks"] == 1000


def test_partner_snapshot_holds_only_its_rows(shared_campaign, partner):
    snapshot = live.snapshot_for_partner(shared_campaign, partner.pk)

    assert snapshot["kpis"]["clicks"] == 50
    assert snapshot["kpis"]["payout"] == "30.00"
    assert "partners" not in snapshot
    assert snapshot["scope"] == "partner"


def test_partner_snapshot_ratios(shared_campaign, partner):
    kpis = live.snapshot_for_partner(shared_campaign, partner.pk)["kpis"]

    assert kpis["conversion_rate"] == "0.060000"
    assert kpis["epc"] == "0.60"


def test_ratios_are_none_without_clicks(partner):
    campaign, _enrollment, _link = active_campaign_with_link(partner=partner)

    kpis = live.snapshot_for_partner(campaign, partner.pk)["kpis"]

    assert kpis["conversion_rate"] is None
    assert kpis["epc"] is None


def test_hourly_series_covers_last_24_hours(shared_campaign, partner):
    add_bucket(shared_campaign, partner, hours_ago=24, clicks=5000)

    snapshot = live.snapshot_for_partner(shared_campaign, partner.pk)

    hourly = snapshot["hourly"]
    assert len(hourly) == 24
    assert hourly[-1]["clicks"] == 40
    assert hourly[-4]["clicks"] == 10
    assert sum(point["clicks"] for point in hourly) == 50


def test_build_messages_covers_staff_and_each_slice(shared_campaign, partner, other_partner):
    messages = dict(live.build_messages(shared_campaign.pk))

    assert set(messages) == {
        live.staff_group(shared_campaign.pk),
        live.partner_group(shared_campaign.pk, partner.pk),
        live.partner_group(shared_campaign.pk, other_partner.pk),
    }
    assert messages[live.partner_group(shared_campaign.pk, partner.pk)]["kpis"]["clicks"] == 50


def test_build_messages_takes_next_version(shared_campaign):
    first = live.build_messages(shared_campaign.pk)
    second = live.build_messages(shared_campaign.pk)

    assert {snapshot["version"] for _group, snapshot in second} == {first[0][1]["version"] + 1}


def test_build_messages_shares_one_version_across_groups(shared_campaign):
    messages = live.build_messages(shared_campaign.pk)

    assert len({snapshot["version"] for _group, snapshot in messages}) == 1


def test_current_version_is_the_latest_sent(shared_campaign):
    messages = live.build_messages(shared_campaign.pk)

    assert live.current_version(shared_campaign.pk) == messages[0][1]["version"]


def test_version_after_eviction_exceeds_every_earlier_one(shared_campaign):
    before = live.build_messages(shared_campaign.pk)[0][1]["version"]
    cache.delete(live._version_key(shared_campaign.pk))

    after = live.build_messages(shared_campaign.pk)[0][1]["version"]

    assert after > before


def test_build_messages_skips_unknown_campaign():
    assert live.build_messages(999_999) == []


def test_campaigns_changed_ignores_bad_ids():
    live.campaigns_changed(["not a number"])

    assert live.current_version(1) == 0


def test_staff_breakdown_names_partner_without_enrollment(partner, other_partner):
    campaign, _enrollment, _link = active_campaign_with_link(partner=partner)
    add_bucket(campaign, other_partner, clicks=3)

    snapshot = live.snapshot_for_staff(campaign)

    names = {row["partner_id"]: row["name"] for row in snapshot["partners"]}
    assert names[other_partner.pk] == other_partner.display_name
