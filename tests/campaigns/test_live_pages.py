"""The live dashboard pages and their JSON snapshots, for staff and for partner members."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns import services
from tests.campaigns.live_rows import add_bucket
from tests.conftest import PASSWORD
from tests.factories import UserFactory, active_campaign_with_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(partner, other_partner):
    campaign, _enrollment, _link = active_campaign_with_link(partner=partner)
    services.invite_partner(campaign=campaign, partner=other_partner, actor=None)
    add_bucket(campaign, partner, clicks=7, conversions=1, revenue="50.00", payout="5.00")
    add_bucket(
        campaign, other_partner, clicks=1000, conversions=90, revenue="9999.00", payout="999.00"
    )
    return campaign


def signed_in(client, user):
    client.force_login(user)
    return client


def staff_url(campaign_id, name="staff_dashboard"):
    return reverse(f"campaigns_live:{name}", args=[campaign_id])


def portal_url(campaign_id, name="portal_dashboard"):
    return reverse(f"campaigns_live:{name}", args=[campaign_id])


def test_staff_dashboard_renders_tiles_and_socket(client, staff_user, campaign):
    response = signed_in(client, staff_user).get(staff_url(campaign.pk))

    assert response.status_code == 200
    assert b'id="kpi-clicks"' in response.content
    assert f'data-socket-path="/ws/campaigns/{campaign.pk}/live/"'.encode() in response.content
    assert b'id="live-partners"' in response.content


def test_staff_dashboard_defaults_to_spanish(client, staff_user, campaign):
    response = signed_in(client, staff_user).get(staff_url(campaign.pk))

    assert b'<html lang="es"' in response.content


def test_staff_dashboard_sends_anonymous_to_admin_login(client, campaign):
    response = client.get(staff_url(campaign.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_dashboard_sends_member_to_admin_login(client, member, campaign):
    response = signed_in(client, member.user).get(staff_url(campaign.pk))

    assert response.status_code == 302


def test_staff_dashboard_rejects_staff_without_permission(client, campaign):
    clerk = UserFactory(username="clerk", is_staff=True)

    response = signed_in(client, clerk).get(staff_url(campaign.pk))

    assert response.status_code == 403


def test_staff_dashboard_unknown_campaign_is_404(client, staff_user):
    response = signed_in(client, staff_user).get(staff_url(999_999))

    assert response.status_code == 404


def test_staff_snapshot_holds_every_partner(client, staff_user, campaign):
    response = signed_in(client, staff_user).get(staff_url(campaign.pk, "staff_snapshot"))

    body = response.json()
    assert body["kpis"]["clicks"] == 1007
    assert len(body["partners"]) == 2
    assert response["Cache-Control"].startswith("max-age=0")


def test_portal_dashboard_renders_for_enrolled_member(client, member, campaign):
    client.post(reverse("portal:login"), {"username": "ana", "password": PASSWORD})

    response = client.get(portal_url(campaign.pk))

    assert response.status_code == 200
    assert b"?view=partner" in response.content
    assert b'id="live-partners"' not in response.content


def test_portal_dashboard_embeds_only_own_slice(client, member, campaign):
    response = signed_in(client, member.user).get(portal_url(campaign.pk))

    assert b"9999" not in response.content
    assert response.context["snapshot"]["kpis"]["clicks"] == 7


def test_portal_snapshot_holds_only_own_slice(client, member, campaign):
    response = signed_in(client, member.user).get(portal_url(campaign.pk, "portal_snapshot"))

    body = response.json()
    assert body["kpis"]["clicks"] == 7
    assert "partners" not in body


def test_portal_dashboard_hides_campaign_partner_has_not_joined(client, other_member):
    campaign, _enrollment, _link = active_campaign_with_link()

    response = signed_in(client, other_member.user).get(portal_url(campaign.pk))

    assert response.status_code == 404


def test_portal_snapshot_hides_campaign_partner_has_not_joined(client, other_member):
    campaign, _enrollment, _link = active_campaign_with_link()
    add_bucket(campaign, campaign.enrollments.get().partner, clicks=55)

    response = signed_in(client, other_member.user).get(portal_url(campaign.pk, "portal_snapshot"))

    assert response.status_code == 404


def test_portal_dashboard_sends_anonymous_to_login(client, campaign):
    response = client.get(portal_url(campaign.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_portal_dashboard_rejects_staff_without_partner(client, staff_user, campaign):
    response = signed_in(client, staff_user).get(portal_url(campaign.pk))

    assert response.status_code == 403
