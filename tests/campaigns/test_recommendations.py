import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from campaigns import services
from campaigns.recommendations import cosine_similarity, recommend_partners
from tests.campaigns.metric_rows import add_bucket
from tests.factories import PartnerFactory, active_campaign_with_link

pytestmark = pytest.mark.django_db

HOUR = dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC)


def _joined(campaign, partner, **counts):
    services.invite_partner(campaign=campaign, partner=partner, actor=None)
    add_bucket(campaign, partner, HOUR, **counts)


@pytest.fixture
def campaign():
    """A campaign whose top performers are Colombian influencers."""
    leader = PartnerFactory(status="active", kind="influencer", country="CO", tier="gold")
    campaign, _enrollment, _link = active_campaign_with_link(leader)
    add_bucket(campaign, leader, HOUR, clicks=100, conversions=10, payout="100")
    for _ in range(2):
        _joined(
            campaign,
            PartnerFactory(status="active", kind="influencer", country="CO", tier="gold"),
            clicks=80,
            conversions=6,
            payout="60",
        )
    return campaign


@pytest.fixture
def other_campaign():
    campaign, _enrollment, _link = active_campaign_with_link(name="Otra campaña")
    return campaign


def test_cosine_similarity_of_same_direction_is_one():
    assert cosine_similarity([1.0, 2.0], [2.0, 4.0]) == pytest.approx(1.0)


def test_cosine_similarity_with_zero_vector_is_zero():
    assert cosine_similarity([0.0, 0.0], [1.0, 0.0]) == 0.0


def test_recommend_ranks_similar_partner_first(campaign):
    similar = PartnerFactory(status="active", kind="influencer", country="CO", tier="gold")
    PartnerFactory(status="active", kind="agency", country="MX", tier="standard")

    recommendations = recommend_partners(campaign=campaign)

    assert recommendations[0].partner == similar


def test_recommend_prefers_better_epc_elsewhere(campaign, other_campaign):
    strong = PartnerFactory(status="active", kind="influencer", country="CO", tier="gold")
    weak = PartnerFactory(status="active", kind="influencer", country="CO", tier="gold")
    _joined(other_campaign, strong, clicks=100, conversions=10, payout="300")
    _joined(other_campaign, weak, clicks=100, conversions=1, payout="20")
    # Both are enrolled in the other campaign only, so both are candidates here.

    ranked = [item.partner for item in recommend_partners(campaign=campaign)]

    assert ranked.index(strong) < ranked.index(weak)


def test_recommend_excludes_enrolled_partners(campaign):
    PartnerFactory(status="active")

    recommended = {item.partner.pk for item in recommend_partners(campaign=campaign)}

    enrolled = set(campaign.enrollments.values_list("partner_id", flat=True))
    assert recommended
    assert not recommended & enrolled


def test_recommend_excludes_inactive_partners(campaign):
    suspended = PartnerFactory(status="suspended", kind="influencer", country="CO")
    PartnerFactory(status="active")

    recommended = {item.partner for item in recommend_partners(campaign=campaign)}

    assert suspended not in recommended


def test_recommend_is_empty_without_performers(other_campaign):
    PartnerFactory(status="active")

    assert recommend_partners(campaign=other_campaign) == []


def test_recommend_reason_counts_matching_top_partners(campaign):
    PartnerFactory(status="active", kind="influencer", country="CO", tier="gold")

    with translation.override("en"):
        reason = recommend_partners(campaign=campaign)[0].reason

    assert reason.startswith("Same country and kind as 3 of your top 3 partners")


def test_recommend_reason_gives_epc_against_average(campaign, other_campaign):
    candidate = PartnerFactory(status="active", kind="influencer", country="CO", tier="gold")
    average = PartnerFactory(status="active", kind="agency", country="MX")
    _joined(other_campaign, candidate, clicks=100, payout="240")
    _joined(other_campaign, average, clicks=100, payout="160")

    with translation.override("en"):
        found = {item.partner: item for item in recommend_partners(campaign=campaign)}

    # The campaign's average EPC is 2.00; the candidate's 2.40 is 20 % above it.
    assert found[candidate].reason.endswith("EPC 20 % above average")


def test_recommend_command_lists_partner_and_reason(campaign):
    similar = PartnerFactory(status="active", kind="influencer", country="CO", tier="gold")
    output = io.StringIO()

    with translation.override("en"):
        call_command("recommend_partners", str(campaign.pk), stdout=output)

    assert str(similar) in output.getvalue()
    assert "Same country and kind as 3 of your top 3 partners" in output.getvalue()


def test_recommend_command_rejects_unknown_campaign():
    with pytest.raises(CommandError):
        call_command("recommend_partners", "999999", stdout=io.StringIO())
