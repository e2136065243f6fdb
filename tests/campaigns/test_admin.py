"""The campaigns admin: transition actions, enrollment decisions, and big read-only lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.admin import EstimatedCountPaginator
from campaigns.models import Campaign, Click, Enrollment, TrackingLink
from hexabuilders.models import OutboxEvent
from tests.campaigns.makers import make_click, make_conversion
from tests.factories import UserFactory, active_campaign_with_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    # English, so assertions on messages hold once the Spanish catalog translates them.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(staff_user)
    return client


def _draft(**fields):
    values = {"name": "Hot Sale", "kind": "cpa", "landing_url": "https://shop.example.com/"}
    values.update(fields)
    return services.create_campaign(actor=None, **values)


def _run_action(client, action: str, objects, model: str = "campaign"):
    return client.post(
        reverse(f"admin:campaigns_{model}_changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Campaign list and form.


def test_campaign_changelist_shows_status_and_budget(staff_client):
    _draft(total_budget="500000.00")

    response = staff_client.get(reverse("admin:campaigns_campaign_changelist"))

    assert response.status_code == 200
    assert "Draft" in response.text
    assert "0.00 / 500000.00" in response.text


def test_campaign_change_page_shows_postback_secret(staff_client):
    campaign = _draft()

    response = staff_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    assert campaign.postback_secret in response.text
    assert "/postback?campaign=" in response.text


def test_campaign_add_form_creates_through_service(staff_client):
    response = staff_client.post(
        reverse("admin:campaigns_campaign_add"),
        {
            "name": "Navidad",
            "kind": "cpa",
            "currency": "COP",
            "landing_url": "https://shop.example.com/navidad",
            "allowed_domains": "[]",
            "payout_amount": "5000",
            "payout_percent": "0",
            "attribution_window_days": "30",
            "unique_click_window_hours": "24",
            "fraud_mode": "flag",
            "min_click_to_conversion_seconds": "10",
            "max_conversions_per_ip_per_day": "5",
            "audience-TOTAL_FORMS": "0",
            "audience-INITIAL_FORMS": "0",
            "enrollments-TOTAL_FORMS": "0",
            "enrollments-INITIAL_FORMS": "0",
        },
    )

    campaign = Campaign.objects.get(name="Navidad")
    assert response.status_code == 302
    assert OutboxEvent.objects.filter(
        type="campaign.created", aggregate_id=str(campaign.pk)
    ).exists()


# Transition actions.


def test_launch_action_launches_and_logs(staff_client):
    campaign = _draft()

    response = _run_action(staff_client, "launch", [campaign])

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    assert LogEntry.objects.filter(object_id=str(campaign.pk)).exists()
    assert "Launched 1 campaign: Hot Sale." in _messages(response)


def test_pause_action_reports_refusal_and_changes_nothing(staff_client):
    campaign = _draft()

    response = _run_action(staff_client, "pause", [campaign])

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not LogEntry.objects.filter(object_id=str(campaign.pk)).exists()
    assert "Hot Sale: Hot Sale cannot be paused while it is Draft." in _messages(response)


def test_complete_action_reports_each_campaign(staff_client):
    active = services.launch_campaign(campaign=_draft(name="Running"), actor=None)
    draft = _draft(name="Idea")

    response = _run_action(staff_client, "complete", [active, draft])

    active.refresh_from_db()
    draft.refresh_from_db()
    messages = _messages(response)
    assert active.status == Campaign.Status.COMPLETED
    assert draft.status == Campaign.Status.DRAFT
    assert "Completed 1 campaign: Running." in messages
    assert "Idea: Idea cannot be completed while it is Draft." in messages


def test_schedule_action_rejects_campaign_without_start(staff_client):
    campaign = _draft()

    response = _run_action(staff_client, "schedule", [campaign])

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert "Hot Sale: Set a start date in the future before scheduling." in _messages(response)


def test_schedule_action_schedules_future_campaign(staff_client):
    campaign = _draft(starts_at=timezone.now() + dt.timedelta(days=3))

    _run_action(staff_client, "schedule", [campaign])

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED


def test_cancel_action_cancels_draft(staff_client):
    campaign = _draft()

    _run_action(staff_client, "cancel", [campaign])

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CANCELLED


def test_rotate_secret_action_replaces_secret(staff_client):
    campaign = _draft()
    old_secret = campaign.postback_secret

    _run_action(staff_client, "rotate_secret", [campaign])

    campaign.refresh_from_db()
    assert campaign.postback_secret != old_secret
    assert LogEntry.objects.filter(
        object_id=str(campaign.pk), change_message="Postback secret rotated."
    ).exists()


def test_campaign_cannot_be_deleted(staff_client):
    campaign = _draft()

    response = staff_client.post(
        reverse("admin:campaigns_campaign_delete", args=[campaign.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()


# Enrollments.


def test_approve_action_issues_tracking_link(staff_client, partner):
    campaign = services.launch_campaign(campaign=_draft(), actor=None)
    enrollment = services.request_enrollment(campaign=campaign, partner=partner, actor=None)

    _run_action(staff_client, "approve", [enrollment], model="enrollment")

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.APPROVED
    assert TrackingLink.objects.filter(enrollment=enrollment).exists()


def test_reject_action_refuses_approved_enrollment(staff_client, partner):
    _campaign, enrollment, _link = active_campaign_with_link(partner)

    response = _run_action(staff_client, "reject", [enrollment], model="enrollment")

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.APPROVED
    assert any("cannot be rejected" in message for message in _messages(response))


def test_enrollment_inline_invites_partner(staff_client, partner):
    campaign = services.launch_campaign(campaign=_draft(), actor=None)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("starts_at", "ends_at")
    }
    data.update(
        {
            "allowed_domains": "[]",
            "audience-TOTAL_FORMS": "0",
            "audience-INITIAL_FORMS": "0",
            "enrollments-TOTAL_FORMS": "1",
            "enrollments-INITIAL_FORMS": "0",
            "enrollments-0-partner": str(partner.pk),
            "enrollments-0-total_budget": "100000",
        }
    )

    staff_client.post(url, data)

    enrollment = Enrollment.objects.get(campaign=campaign, partner=partner)
    assert enrollment.status == Enrollment.Status.APPROVED
    assert str(enrollment.total_budget) == "100000.00"


# Tracking links, clicks and conversions.


def test_tracking_link_page_shows_full_url(staff_client, partner, settings):
    settings.PUBLIC_URL = "https://go.example.com"
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = staff_client.get(reverse("admin:campaigns_trackinglink_changelist"))

    assert f"https://go.example.com/t/{link.code}" in response.text


@pytest.mark.postgres  # SQLite has no planner estimate, so it counts
def test_click_changelist_never_counts_rows(staff_client, partner):
    make_click(partner)

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(reverse("admin:campaigns_click_changelist"))

    assert response.status_code == 200
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]


def test_click_changelist_filters_by_campaign(staff_client, partner):
    first = make_click(partner, code="firstcode")
    make_click(partner, code="othercode")

    response = staff_client.get(
        reverse("admin:campaigns_click_changelist"),
        {"campaign__id__exact": first.campaign_id},
    )

    assert "firstcode" in response.text
    assert "othercode" not in response.text


def test_click_changelist_filters_by_date(staff_client, partner):
    make_click(partner, code="todaycode")
    make_click(partner, code="oldcode", created_at=timezone.now() - dt.timedelta(days=40))
    today = timezone.localdate()

    response = staff_client.get(
        reverse("admin:campaigns_click_changelist"),
        {
            "created_at__gte": today.isoformat(),
            "created_at__lt": (today + dt.timedelta(days=1)).isoformat(),
        },
    )

    assert "todaycode" in response.text
    assert "oldcode" not in response.text


def test_click_rows_are_read_only(staff_client, partner):
    click = make_click(partner)

    response = staff_client.post(
        reverse("admin:campaigns_click_change", args=[click.pk]), {"code": "changed"}
    )

    click.refresh_from_db()
    assert response.status_code == 403
    assert click.code != "changed"


def test_conversion_change_page_shows_rate_and_flags(staff_client, partner):
    conversion = make_conversion(
        partner,
        exchange_rate="4012.50000000",
        original_currency="USD",
        fraud_flags=["too_fast"],
        reason_code="too_fast",
    )

    response = staff_client.get(reverse("admin:campaigns_conversion_change", args=[conversion.pk]))

    assert "4012.50000000" in response.text
    assert "too_fast" in response.text
    assert "Conversion too soon after the click" in response.text


@pytest.mark.postgres  # SQLite has no planner estimate, so it counts
def test_conversion_changelist_never_counts_rows(staff_client, partner):
    make_conversion(partner)

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(reverse("admin:campaigns_conversion_changelist"))

    assert response.status_code == 200
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]


def test_campaign_autocomplete_answers_click_filter(staff_client):
    _draft(name="Día sin IVA")

    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "campaigns", "model_name": "click", "field_name": "campaign", "term": "IVA"},
    )

    assert [row["text"] for row in response.json()["results"]] == ["Día sin IVA"]


# Staff groups.


@pytest.mark.parametrize(
    ("group", "url_name", "status"),
    [
        ("Campaign managers", "admin:campaigns_campaign_add", 200),
        ("Campaign managers", "admin:campaigns_click_changelist", 200),
        ("Finance", "admin:campaigns_conversion_changelist", 200),
        ("Finance", "admin:campaigns_campaign_add", 403),
        ("Read-only support", "admin:campaigns_enrollment_changelist", 200),
        ("Recruiters", "admin:campaigns_campaign_changelist", 403),
    ],
)
def test_group_member_reaches_only_allowed_campaign_pages(client, group, url_name, status):
    user = UserFactory(username=f"staff-{group.lower().replace(' ', '-')}", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)

    response = client.get(reverse(url_name))

    assert response.status_code == status


def test_read_only_support_cannot_launch(client):
    user = UserFactory(username="support", is_staff=True)
    user.groups.add(Group.objects.get(name="Read-only support"))
    client.force_login(user)
    campaign = _draft()

    _run_action(client, "launch", [campaign])

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_click_model_has_no_add_in_admin(staff_client):
    response = staff_client.get(reverse("admin:campaigns_click_add"))

    assert response.status_code == 403
    assert not Click.objects.exists()


def test_campaign_change_page_links_live_dashboard(staff_client):
    campaign = _draft()

    response = staff_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    assert f"/admin/campaigns/campaign/{campaign.pk}/live/" in response.text


# The paginator of the big lists.


def test_paginator_counts_filtered_rows_exactly(partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    for _ in range(3):
        make_click(link=link)
    make_click(partner)

    paginator = EstimatedCountPaginator(Click.objects.filter(link=link), 100)

    assert paginator.count == 3


def test_paginator_stops_counting_at_limit(partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    for _ in range(5):
        make_click(link=link)

    class SmallLimitPaginator(EstimatedCountPaginator):
        exact_limit = 2

    with CaptureQueriesContext(connection) as queries:
        count = SmallLimitPaginator(Click.objects.filter(link=link), 100).count

    assert count >= 3
    assert any("LIMIT 3" in query["sql"] for query in queries)


@pytest.mark.postgres  # SQLite has no planner estimate, so it counts
def test_paginator_estimates_unfiltered_rows(partner):
    make_click(partner)

    with CaptureQueriesContext(connection) as queries:
        EstimatedCountPaginator(Click.objects.all(), 100).count  # noqa: B018

    assert [query["sql"] for query in queries][0].startswith("EXPLAIN")
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]


def test_click_changelist_shows_date_range_form(staff_client, partner):
    make_click(partner)

    response = staff_client.get(
        reverse("admin:campaigns_click_changelist"), {"created_at__gte": "2026-11-01"}
    )

    assert 'name="created_at__gte" value="2026-11-01"' in response.text
    assert 'name="created_at__lt" value=""' in response.text


def test_click_changelist_rejects_malformed_date(staff_client, partner):
    make_click(partner)

    response = staff_client.get(
        reverse("admin:campaigns_click_changelist"), {"created_at__gte": "tomorrow"}
    )

    assert response.status_code == 302
    assert "e=1" in response.headers["Location"]


def test_click_changelist_keeps_chosen_campaign_in_filter(staff_client, partner):
    click = make_click(partner)

    response = staff_client.get(
        reverse("admin:campaigns_click_changelist"), {"campaign__id__exact": click.campaign_id}
    )

    assert 'data-filter-parameter="campaign__id__exact"' in response.text
    assert f'<option value="{click.campaign_id}" selected>' in response.text


@pytest.mark.postgres  # SQLite has no planner estimate, so it counts
def test_click_changelist_ignores_facet_request(staff_client, partner):
    make_click(partner)

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(reverse("admin:campaigns_click_changelist"), {"_facets": "1"})

    assert response.status_code == 200
    assert not [query for query in queries if "COUNT(" in query["sql"].upper()]


def test_campaign_change_page_shows_projected_exhaustion(staff_client, partner):
    now = timezone.now()
    campaign, _enrollment, _link = active_campaign_with_link(
        partner,
        total_budget="1000000.00",
        starts_at=now - dt.timedelta(days=5),
        ends_at=now + dt.timedelta(days=5),
    )
    Campaign.objects.filter(pk=campaign.pk).update(spent="750000.00")

    response = staff_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))

    assert "Pace: 1.50×" in response.text
    assert "Projected exhaustion:" in response.text
