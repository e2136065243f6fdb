"""The live socket over the project's ASGI stack: who may join, what each viewer receives."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from campaigns import live, services
from campaigns.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from partners.models import PartnerMember
from tests.campaigns.live_rows import add_bucket, live_socket
from tests.factories import UserFactory, active_campaign_with_link

pytestmark = [pytest.mark.django_db(transaction=True)]

TIMEOUT = 5


@pytest.fixture(autouse=True)
def _short_interval(settings):
    settings.LIVE_METRICS_INTERVAL_MS = 400


@pytest.fixture
def campaign(partner):
    campaign, _enrollment, _link = active_campaign_with_link(partner=partner)
    add_bucket(
        campaign, partner, clicks=7, unique_clicks=7, conversions=1, revenue="50.00", payout="5.00"
    )
    return campaign


@pytest.fixture
def shared_campaign(campaign, other_partner):
    services.invite_partner(campaign=campaign, partner=other_partner, actor=None)
    add_bucket(
        campaign,
        other_partner,
        clicks=1000,
        unique_clicks=900,
        conversions=90,
        revenue="9999.00",
        payout="999.00",
    )
    return campaign


def close_code(campaign_id, user=None, **options):
    """Connect, then return the close code the server sent, or None when it stayed open."""
    socket = live_socket(campaign_id, user, **options)

    async def scenario():
        connected, _ = await socket.connect(timeout=TIMEOUT)
        assert connected
        message = await socket.receive_output(timeout=TIMEOUT)
        await socket.disconnect()
        return message.get("code") if message["type"] == "websocket.close" else None

    return async_to_sync(scenario)()


async def open_socket(socket):
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    hello = await socket.receive_json_from(timeout=TIMEOUT)
    assert hello["type"] == "hello"
    return socket


def test_anonymous_socket_closed_with_4401(campaign):
    assert close_code(campaign.pk) == CLOSE_UNAUTHENTICATED


def test_foreign_origin_refused(campaign, staff_user):
    socket = live_socket(campaign.pk, staff_user, origin="https://attacker.example")

    async def scenario():
        connected, _ = await socket.connect(timeout=TIMEOUT)
        await socket.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


def test_member_of_partner_not_enrolled_closed_with_4403(campaign, other_member):
    assert close_code(campaign.pk, other_member.user) == CLOSE_FORBIDDEN


def test_member_with_pending_request_closed_with_4403(other_member):
    campaign, _enrollment, _link = active_campaign_with_link()
    services.request_enrollment(campaign=campaign, partner=other_member.partner, actor=None)

    assert close_code(campaign.pk, other_member.user) == CLOSE_FORBIDDEN


def test_member_of_unknown_campaign_closed_with_4403(member):
    assert close_code(999_999, member.user) == CLOSE_FORBIDDEN


def test_user_without_partner_closed_with_4403(campaign):
    stranger = UserFactory(username="stranger")

    assert close_code(campaign.pk, stranger) == CLOSE_FORBIDDEN


def test_staff_without_view_permission_closed_with_4403(campaign):
    clerk = UserFactory(username="clerk", is_staff=True)

    assert close_code(campaign.pk, clerk) == CLOSE_FORBIDDEN


def test_staff_on_unknown_campaign_closed_with_4404(staff_user):
    assert close_code(999_999, staff_user) == CLOSE_NOT_FOUND


def test_staff_receives_whole_campaign(shared_campaign, staff_user, partner):
    socket = live_socket(shared_campaign.pk, staff_user)

    async def scenario():
        await open_socket(socket)
        live.campaigns_changed([shared_campaign.pk])
        snapshot = await socket.receive_json_from(timeout=TIMEOUT)
        await socket.disconnect()
        return snapshot

    snapshot = async_to_sync(scenario)()

    assert snapshot["kpis"]["clicks"] == 1007
    assert snapshot["version"] > 0
    assert len(snapshot["partners"]) == 2


def test_partner_receives_only_its_slice(shared_campaign, member, other_member):
    mine = live_socket(shared_campaign.pk, member.user)
    theirs = live_socket(shared_campaign.pk, other_member.user)

    async def scenario():
        await open_socket(mine)
        await open_socket(theirs)
        live.campaigns_changed([shared_campaign.pk])
        received = await mine.receive_json_from(timeout=TIMEOUT)
        other = await theirs.receive_json_from(timeout=TIMEOUT)
        # The slice arrives once; nothing of the other partner follows it.
        await mine.receive_nothing(timeout=1)
        leftover = await mine.receive_nothing(timeout=0.1)
        await mine.disconnect()
        await theirs.disconnect()
        return received, other, leftover

    received, other, leftover = async_to_sync(scenario)()

    assert received["kpis"]["clicks"] == 7
    assert received["kpis"]["revenue"] == "50.00"
    assert "partners" not in received
    assert "9999" not in str(received)
    assert other["kpis"]["clicks"] == 1000
    assert leftover is True


def test_partner_cannot_subscribe_to_other_partners_data(campaign, other_member):
    """A member of a partner outside the campaign gets no socket, even asking for a slice."""
    codes = [
        close_code(campaign.pk, other_member.user),
        close_code(campaign.pk, other_member.user, query="?view=partner"),
        close_code(campaign.pk, other_member.user, query="?view=staff"),
    ]

    assert codes == [CLOSE_FORBIDDEN, CLOSE_FORBIDDEN, CLOSE_FORBIDDEN]


def test_staff_member_of_partner_sees_slice_in_partner_view(campaign, staff_user, partner):
    PartnerMember.objects.create(partner=partner, user=staff_user, role="owner")

    socket = live_socket(campaign.pk, staff_user, query="?view=partner")

    async def scenario():
        await open_socket(socket)
        live.campaigns_changed([campaign.pk])
        snapshot = await socket.receive_json_from(timeout=TIMEOUT)
        await socket.disconnect()
        return snapshot

    assert async_to_sync(scenario)()["scope"] == "partner"


def test_changes_are_coalesced_per_interval(campaign, staff_user):
    viewers = [live_socket(campaign.pk, staff_user) for _ in range(3)]

    async def scenario():
        for viewer in viewers:
            await open_socket(viewer)
        live.campaigns_changed([campaign.pk])
        first = [await viewer.receive_json_from(timeout=TIMEOUT) for viewer in viewers]
        for _ in range(20):
            live.campaigns_changed([campaign.pk])
        second = [await viewer.receive_json_from(timeout=TIMEOUT) for viewer in viewers]
        quiet = [await viewer.receive_nothing(timeout=1.2) for viewer in viewers]
        for viewer in viewers:
            await viewer.disconnect()
        return first, second, quiet

    first, second, quiet = async_to_sync(scenario)()

    version = first[0]["version"]
    assert [snapshot["version"] for snapshot in first] == [version] * 3
    assert [snapshot["version"] for snapshot in second] == [version + 1] * 3
    assert quiet == [True, True, True]


def test_quiet_campaign_sends_nothing(campaign, staff_user):
    socket = live_socket(campaign.pk, staff_user)

    async def scenario():
        await open_socket(socket)
        quiet = await socket.receive_nothing(timeout=1)
        await socket.disconnect()
        return quiet

    assert async_to_sync(scenario)() is True


def test_member_removed_is_closed_before_next_snapshot(campaign, member):
    socket = live_socket(campaign.pk, member.user)

    async def scenario():
        await open_socket(socket)
        await database_sync_to_async(PartnerMember.objects.filter(pk=member.pk).delete)()
        live.campaigns_changed([campaign.pk])
        message = await socket.receive_output(timeout=TIMEOUT)
        await socket.disconnect()
        return message

    message = async_to_sync(scenario)()

    assert message["type"] == "websocket.close"
    assert message["code"] == CLOSE_FORBIDDEN


def test_socket_rejects_client_messages(campaign, staff_user):
    socket = live_socket(campaign.pk, staff_user)

    async def scenario():
        await open_socket(socket)
        await socket.send_json_to({"type": "subscribe", "partner": 1})
        reply = await socket.receive_json_from(timeout=TIMEOUT)
        await socket.disconnect()
        return reply

    assert async_to_sync(scenario)()["type"] == "error"


def test_in_memory_layer_delivers_snapshot(settings, campaign, staff_user):
    """The embedded mode: the flusher hands the send to the consumers' own event loop."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    socket = live_socket(campaign.pk, staff_user)

    async def scenario():
        await open_socket(socket)
        live.campaigns_changed([campaign.pk])
        snapshot = await socket.receive_json_from(timeout=TIMEOUT)
        await socket.disconnect()
        return snapshot

    assert async_to_sync(scenario)()["kpis"]["clicks"] == 7
