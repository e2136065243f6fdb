"""The campaigns part of the partner API: campaigns, enrollments, links, clicks, conversions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Conversion, Enrollment
from tests.api.conftest import key_client
from tests.campaigns.makers import make_click, make_conversion
from tests.factories import active_campaign_with_link, issue_api_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(partner, member):
    return key_client(issue_api_key(partner, scope="write", actor=member.user)[1])


def _open_campaign(**fields):
    values = {"name": "Cyber Monday", "kind": "cpa", "landing_url": "https://shop.example.com/"}
    values.update(fields)
    campaign = services.create_campaign(actor=None, **values)
    return services.launch_campaign(campaign=campaign, actor=None)


def _ids(response) -> list:
    return [row["id"] for row in response.json()["results"]]


# Campaigns.


def test_campaign_list_shows_open_campaign_not_joined(api):
    campaign = _open_campaign()

    row = api.get(reverse("campaigns-api:campaign-list")).json()["results"][0]

    assert row["id"] == campaign.pk
    assert row["enrollment_status"] is None
    assert row["is_enrolled"] is False
    assert row["tracking_url"] is None


@override_settings(PUBLIC_URL="https://go.example.com")
def test_campaign_list_marks_joined_campaign_with_link(api, partner):
    campaign, _enrollment, link = active_campaign_with_link(partner)

    row = api.get(reverse("campaigns-api:campaign-detail", args=[campaign.pk])).json()

    assert row["is_enrolled"] is True
    assert row["tracking_url"] == f"https://go.example.com/t/{link.code}"


def test_campaign_list_hides_draft_campaign(api):
    draft = services.create_campaign(
        actor=None, name="Draft", kind="cpa", landing_url="https://shop.example.com/"
    )

    response = api.get(reverse("campaigns-api:campaign-list"))

    assert draft.pk not in _ids(response)


def test_campaign_list_hides_budget_and_secret(api):
    _open_campaign(total_budget="1000000.00")

    row = api.get(reverse("campaigns-api:campaign-list")).json()["results"][0]

    assert "total_budget" not in row
    assert "postback_secret" not in row


def test_campaign_joined_filter_splits_list(api, partner):
    joined, _enrollment, _link = active_campaign_with_link(partner)
    available = _open_campaign()
    url = reverse("campaigns-api:campaign-list")

    joined_ids = _ids(api.get(url, {"joined": "true"}))
    available_ids = _ids(api.get(url, {"joined": "false"}))

    assert joined_ids == [joined.pk]
    assert available_ids == [available.pk]


def test_campaign_joined_filter_rejects_unknown_word(api):
    response = api.get(reverse("campaigns-api:campaign-list"), {"joined": "maybe"})

    assert response.status_code == 400
    assert "joined" in response.json()["error"]["fields"]


# Enrollment requests.


def test_enrollment_request_creates_requested_enrollment(api, partner):
    campaign = _open_campaign()

    response = api.post(
        reverse("campaigns-api:enrollment-list"),
        {"campaign": campaign.pk, "note": "Travel blog, 40k readers"},
    )

    assert response.status_code == 201
    assert response.json()["status"] == Enrollment.Status.REQUESTED
    assert Enrollment.objects.get(campaign=campaign, partner=partner).note == (
        "Travel blog, 40k readers"
    )


def test_enrollment_request_replays_with_idempotency_key(api, partner):
    campaign = _open_campaign()
    url = reverse("campaigns-api:enrollment-list")
    body = {"campaign": campaign.pk}

    first = api.post(url, body, HTTP_IDEMPOTENCY_KEY="join-1")
    second = api.post(url, body, HTTP_IDEMPOTENCY_KEY="join-1")

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Enrollment.objects.filter(campaign=campaign, partner=partner).count() == 1


def test_enrollment_request_twice_is_rejected(api, partner):
    campaign = _open_campaign()
    url = reverse("campaigns-api:enrollment-list")
    api.post(url, {"campaign": campaign.pk})

    response = api.post(url, {"campaign": campaign.pk})

    assert response.status_code == 400
    assert Enrollment.objects.filter(campaign=campaign, partner=partner).count() == 1


def test_enrollment_request_rejects_hidden_campaign(api, partner):
    draft = services.create_campaign(
        actor=None, name="Draft", kind="cpa", landing_url="https://shop.example.com/"
    )

    response = api.post(reverse("campaigns-api:enrollment-list"), {"campaign": draft.pk})

    assert response.status_code == 400
    assert "campaign" in response.json()["error"]["fields"]
    assert not Enrollment.objects.filter(campaign=draft).exists()


def test_enrollment_request_rejects_completed_campaign(api, partner):
    campaign, enrollment, _link = active_campaign_with_link(partner)
    services.complete_campaign(campaign=campaign, actor=None)
    enrollment.delete()

    response = api.post(reverse("campaigns-api:enrollment-list"), {"campaign": campaign.pk})

    assert response.status_code == 400
    assert not Enrollment.objects.filter(campaign=campaign).exists()


def test_read_key_cannot_request_enrollment(partner):
    client = key_client(issue_api_key(partner, scope="read")[1])
    campaign = _open_campaign()

    response = client.post(reverse("campaigns-api:enrollment-list"), {"campaign": campaign.pk})

    assert response.status_code == 403
    assert not Enrollment.objects.filter(campaign=campaign).exists()


# Links.


@override_settings(PUBLIC_URL="https://go.example.com")
def test_link_list_shows_full_tracking_url(api, partner):
    campaign, _enrollment, link = active_campaign_with_link(partner)

    row = api.get(reverse("campaigns-api:link-list")).json()["results"][0]

    assert row["url"] == f"https://go.example.com/t/{link.code}"
    assert row["campaign"] == campaign.pk


def test_link_list_filters_by_campaign(api, partner):
    first, _enrollment, first_link = active_campaign_with_link(partner)
    active_campaign_with_link(partner)

    response = api.get(reverse("campaigns-api:link-list"), {"campaign": first.pk})

    assert _ids(response) == [first_link.pk]


# Clicks.


def test_click_list_never_shows_ip_hash(api, partner):
    make_click(partner)

    row = api.get(reverse("campaigns-api:click-list")).json()["results"][0]

    assert "ip_hash" not in row
    assert "user_agent" not in row


def test_click_list_is_newest_first(api, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    now = timezone.now()
    older = make_click(link=link, created_at=now - dt.timedelta(hours=2))
    newer = make_click(link=link, created_at=now)

    response = api.get(reverse("campaigns-api:click-list"))

    assert _ids(response) == [str(newer.pk), str(older.pk)]


def test_click_list_pages_by_cursor(api, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    now = timezone.now()
    clicks = [make_click(link=link, created_at=now - dt.timedelta(minutes=i)) for i in range(3)]
    url = reverse("campaigns-api:click-list")

    first = api.get(url, {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert _ids_of(first) == [str(clicks[0].pk), str(clicks[1].pk)]
    assert _ids_of(second) == [str(clicks[2].pk)]
    assert second["next"] is None


def _ids_of(body: dict) -> list:
    return [row["id"] for row in body["results"]]


def test_click_list_filters_by_campaign(api, partner):
    first, _enrollment, first_link = active_campaign_with_link(partner)
    _second, _enrollment, second_link = active_campaign_with_link(partner)
    wanted = make_click(link=first_link)
    make_click(link=second_link)

    response = api.get(reverse("campaigns-api:click-list"), {"campaign": first.pk})

    assert _ids(response) == [str(wanted.pk)]


def test_click_list_filters_by_date_range(api, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    inside = make_click(link=link, created_at=dt.datetime(2026, 11, 10, 12, tzinfo=dt.UTC))
    make_click(link=link, created_at=dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC))
    make_click(link=link, created_at=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))

    response = api.get(
        reverse("campaigns-api:click-list"),
        {"created_after": "2026-11-05T00:00:00Z", "created_before": "2026-11-15T00:00:00Z"},
    )

    assert _ids(response) == [str(inside.pk)]


def test_click_list_rejects_malformed_date(api):
    response = api.get(reverse("campaigns-api:click-list"), {"created_after": "yesterday"})

    assert response.status_code == 400
    assert "created_after" in response.json()["error"]["fields"]


# Conversions.


def test_conversion_list_shows_reason_not_fraud_flags(api, partner):
    make_conversion(
        partner,
        status=Conversion.Status.REJECTED,
        reason_code=Conversion.Reason.TOO_FAST,
        fraud_flags=["too_fast"],
    )

    row = api.get(reverse("campaigns-api:conversion-list")).json()["results"][0]

    assert row["reason_code"] == "too_fast"
    assert row["reason"] == "Conversion too soon after the click"
    assert "fraud_flags" not in row
    assert "ip_hash" not in row


def test_conversion_list_filters_by_status(api, partner):
    click = make_click(partner)
    approved = make_conversion(click=click)
    make_conversion(click=click, status=Conversion.Status.PENDING)

    response = api.get(reverse("campaigns-api:conversion-list"), {"status": "approved"})

    assert _ids(response) == [approved.pk]


def test_conversion_list_filters_by_campaign(api, partner):
    wanted = make_conversion(partner)
    make_conversion(partner)

    response = api.get(reverse("campaigns-api:conversion-list"), {"campaign": wanted.campaign_id})

    assert _ids(response) == [wanted.pk]


def test_conversion_list_filters_by_date_range(api, partner):
    click = make_click(partner)
    inside = make_conversion(click=click, created_at=dt.datetime(2026, 11, 10, tzinfo=dt.UTC))
    make_conversion(click=click, created_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))

    response = api.get(
        reverse("campaigns-api:conversion-list"),
        {"created_after": "2026-11-01", "created_before": "2026-11-30"},
    )

    assert _ids(response) == [inside.pk]


def test_campaign_detail_hides_foreign_campaign(api, other_partner):
    campaign, _enrollment, _link = active_campaign_with_link(other_partner)
    services.pause_campaign(campaign=campaign, actor=None)

    response = api.get(reverse("campaigns-api:campaign-detail", args=[campaign.pk]))

    assert response.status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.PAUSED


def test_campaign_detail_shows_pacing_fractions(api, partner):
    now = timezone.now()
    campaign, _enrollment, _link = active_campaign_with_link(
        partner,
        total_budget="1000000.00",
        starts_at=now - dt.timedelta(days=5),
        ends_at=now + dt.timedelta(days=5),
    )
    Campaign.objects.filter(pk=campaign.pk).update(spent="750000.00")

    pacing = api.get(reverse("campaigns-api:campaign-detail", args=[campaign.pk])).json()["pacing"]

    assert pacing["budget_used_fraction"] == 0.75
    assert round(pacing["elapsed_fraction"], 2) == 0.5
    assert round(pacing["pace_ratio"], 1) == 1.5
    assert pacing["projected_exhaustion"] is not None


def test_campaign_detail_pacing_without_budget_is_null(api, partner):
    campaign, _enrollment, _link = active_campaign_with_link(partner)

    pacing = api.get(reverse("campaigns-api:campaign-detail", args=[campaign.pk])).json()["pacing"]

    assert pacing["budget_used_fraction"] is None
    assert pacing["pace_ratio"] is None
