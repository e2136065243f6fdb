"""Portal campaign pages: available and joined campaigns, join requests, tracking links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import Enrollment
from partners.models import PartnerMember
from tests.factories import PartnerMemberFactory, UserFactory, active_campaign_with_link

pytestmark = pytest.mark.django_db

LIST_URL = "/portal/campaigns/"


@pytest.fixture
def member_client(client, member):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(member.user)
    return client


def _open_campaign(name="Vuelos baratos"):
    campaign = services.create_campaign(
        actor=None, name=name, kind="cpa", landing_url="https://shop.example.com/"
    )
    return services.launch_campaign(campaign=campaign, actor=None)


def test_campaign_page_url_is_under_portal():
    assert reverse("portal_campaigns:list") == LIST_URL


def test_campaign_page_requires_sign_in(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_campaign_page_lists_available_campaign(member_client):
    campaign = _open_campaign()

    response = member_client.get(LIST_URL)

    assert f'id="available-{campaign.pk}"' in response.text
    assert f'id="join-{campaign.pk}"' in response.text


def test_campaign_page_has_nav_entry(member_client):
    response = member_client.get(LIST_URL)

    assert 'id="nav-campaigns"' in response.text


def test_campaign_page_shows_link_with_copy_button(member_client, partner, settings):
    settings.PUBLIC_URL = "https://go.example.com"
    campaign, _enrollment, link = active_campaign_with_link(partner)

    response = member_client.get(LIST_URL)

    assert f"https://go.example.com/t/{link.code}" in response.text
    assert f'data-copy-target="link-{campaign.pk}"' in response.text
    assert f"/portal/campaigns/{campaign.pk}/live/" in response.text


def test_campaign_page_hides_other_partners_link(member_client, other_partner):
    _campaign, _enrollment, link = active_campaign_with_link(other_partner)

    response = member_client.get(LIST_URL)

    assert link.code not in response.text


def test_join_creates_requested_enrollment(member_client, partner):
    campaign = _open_campaign()

    response = member_client.post(reverse("portal_campaigns:join", args=[campaign.pk]))

    enrollment = Enrollment.objects.get(campaign=campaign, partner=partner)
    assert response.status_code == 302
    assert enrollment.status == Enrollment.Status.REQUESTED


def test_join_shows_request_as_pending(member_client, partner):
    campaign = _open_campaign()
    member_client.post(reverse("portal_campaigns:join", args=[campaign.pk]))

    response = member_client.get(LIST_URL)

    assert f'id="joined-{campaign.pk}"' in response.text
    assert f'id="available-{campaign.pk}"' not in response.text
    assert "Available once the request is approved." in response.text


def test_join_rejects_draft_campaign(member_client, partner):
    draft = services.create_campaign(
        actor=None, name="Draft", kind="cpa", landing_url="https://shop.example.com/"
    )

    response = member_client.post(reverse("portal_campaigns:join", args=[draft.pk]))

    assert response.status_code == 404
    assert not Enrollment.objects.filter(campaign=draft).exists()


def test_join_rejects_get(member_client):
    campaign = _open_campaign()

    response = member_client.get(reverse("portal_campaigns:join", args=[campaign.pk]))

    assert response.status_code == 405
    assert not Enrollment.objects.filter(campaign=campaign).exists()


def test_join_rejects_viewer(client, partner):
    user = UserFactory(username="viewer", email="viewer@bancolombia.example")
    PartnerMemberFactory(partner=partner, user=user, role=PartnerMember.Role.VIEWER)
    client.force_login(user)
    campaign = _open_campaign()

    response = client.post(reverse("portal_campaigns:join", args=[campaign.pk]))

    assert response.status_code == 403
    assert not Enrollment.objects.filter(campaign=campaign).exists()


def test_join_rejects_overlong_note(member_client, partner):
    campaign = _open_campaign()

    member_client.post(reverse("portal_campaigns:join", args=[campaign.pk]), {"note": "x" * 2001})

    assert not Enrollment.objects.filter(campaign=campaign).exists()


def test_staff_user_gets_portal_denial(client, staff_user):
    client.force_login(staff_user)

    response = client.get(LIST_URL)

    assert response.status_code == 403


def test_join_stores_note(member_client, partner):
    campaign = _open_campaign()

    member_client.post(
        reverse("portal_campaigns:join", args=[campaign.pk]), {"note": "Blog de viajes"}
    )

    assert Enrollment.objects.get(campaign=campaign, partner=partner).note == "Blog de viajes"


def test_campaign_page_offers_note_per_campaign(member_client):
    campaign = _open_campaign()

    response = member_client.get(LIST_URL)

    assert f'id="note-{campaign.pk}"' in response.text
