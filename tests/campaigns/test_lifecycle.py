import datetime as dt

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Enrollment
from hexabuilders.models import OutboxEvent
from tests.factories import PartnerFactory, active_campaign_with_link

pytestmark = pytest.mark.django_db


def _draft(**overrides):
    fields = {"name": "Black Friday", "kind": "cpa", "landing_url": "https://shop.example.com/"}
    fields.update(overrides)
    return services.create_campaign(actor=None, **fields)


def test_create_campaign_starts_as_draft():
    assert _draft().status == Campaign.Status.DRAFT


def test_create_campaign_rejects_end_before_start():
    now = timezone.now()
    with pytest.raises(services.CampaignError):
        _draft(starts_at=now, ends_at=now - dt.timedelta(days=1))
    assert not Campaign.objects.exists()


def test_launch_campaign_publishes_launched_event():
    campaign = services.launch_campaign(campaign=_draft(), actor=None)
    assert OutboxEvent.objects.filter(
        type="campaign.launched", aggregate_id=str(campaign.pk)
    ).exists()


def test_pause_rejects_draft_campaign():
    with pytest.raises(services.CampaignError) as error:
        services.pause_campaign(campaign=_draft(), actor=None)
    assert error.value.code == "invalid_transition"


def test_schedule_requires_future_start():
    with pytest.raises(services.CampaignError):
        services.schedule_campaign(campaign=_draft(), actor=None)


def test_invite_partner_issues_tracking_link():
    _campaign, enrollment, link = active_campaign_with_link()
    assert enrollment.status == Enrollment.Status.APPROVED
    assert len(link.code) == 10


def test_request_enrollment_rejects_inactive_partner():
    with pytest.raises(services.CampaignError):
        services.request_enrollment(campaign=_draft(), partner=PartnerFactory(), actor=None)
    assert not Enrollment.objects.exists()


def test_request_enrollment_twice_is_rejected():
    campaign = _draft()
    partner = PartnerFactory(status="active")
    services.request_enrollment(campaign=campaign, partner=partner, actor=None)
    with pytest.raises(services.CampaignError):
        services.request_enrollment(campaign=campaign, partner=partner, actor=None)
    assert Enrollment.objects.count() == 1


def test_campaign_allows_only_landing_host_and_allowed_domains():
    campaign = _draft(allowed_domains=["m.shop.example.com"])
    assert campaign.allows_destination("https://m.shop.example.com/x")
    assert not campaign.allows_destination("https://evil.example.net/")


def test_load_demo_campaigns_enrolls_active_demo_partners():
    from campaigns.demo import load_demo_campaigns
    from partners.demo import load_demo_data

    load_demo_data()
    load_demo_campaigns()
    campaign = Campaign.objects.get(status=Campaign.Status.ACTIVE)
    assert campaign.enrollments.filter(status=Enrollment.Status.APPROVED).count() == 6


def test_load_demo_campaigns_is_idempotent():
    from campaigns.demo import load_demo_campaigns
    from partners.demo import load_demo_data

    load_demo_data()
    load_demo_campaigns()
    load_demo_campaigns()
    assert Campaign.objects.count() == 2
