"""WebSocket consumer of the live campaign dashboards."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model

from campaigns import live
from campaigns.models import Campaign, Enrollment
from partners import portal_access, selectors

# Close codes in the 4000-4999 range that applications may define.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


@dataclass(frozen=True)
class Audience:
    """The viewer behind a socket: staff get the whole campaign, a partner its own slice."""

    group: str
    partner_id: int | None = None


def staff_may_view(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("campaigns.view_campaign")


def enrolled_partner_id(user, campaign_id: int) -> int | None:
    """Return the user's partner when it is open and approved in the campaign, else None."""
    membership = selectors.membership_for(user)
    if membership is None or not user.is_active:
        return None
    if portal_access.closed_portal_message(membership.partner) is not None:
        return None
    approved = Enrollment.objects.filter(
        campaign_id=campaign_id,
        partner_id=membership.partner_id,
        status=Enrollment.Status.APPROVED,
    ).exists()
    return membership.partner_id if approved else None


def resolve_audience(user, campaign_id: int, *, partner_view: bool) -> Audience | int:
    """Return the socket's audience, or the close code that refuses it."""
    if not user.is_authenticated:
        return CLOSE_UNAUTHENTICATED
    if not partner_view and staff_may_view(user):
        if not Campaign.objects.filter(pk=campaign_id).exists():
            return CLOSE_NOT_FOUND
        return Audience(group=live.staff_group(campaign_id))
    # A missing campaign and one the partner has not joined look the same to a partner.
    partner_id = enrolled_partner_id(user, campaign_id)
    if partner_id is None:
        return CLOSE_FORBIDDEN
    return Audience(group=live.partner_group(campaign_id, partner_id), partner_id=partner_id)


def audience_still_allowed(user, campaign_id: int, audience: Audience) -> bool:
    """Return whether the user may still receive the data ``audience`` was granted."""
    # A fresh row: the connect-time instance caches its permissions.
    user = get_user_model().objects.filter(pk=user.pk).first()
    if user is None:
        return False
    if audience.partner_id is None:
        return staff_may_view(user)
    return enrolled_partner_id(user, campaign_id) == audience.partner_id


class CampaignLiveConsumer(AsyncJsonWebsocketConsumer):
    """Relay one campaign's KPI snapshots to a staff member or a partner member.

    Anonymous sockets are closed with 4401; a member whose partner is not approved in the
    campaign, or staff without the view permission, with 4403. Rights are checked again
    before each snapshot is sent, and a socket that lost them is closed with 4403. The
    query string ``?view=partner`` makes a staff member who also belongs to a partner
    see that partner's slice, as the portal page does.
    """

    audience: Audience | None = None

    async def connect(self) -> None:
        live.use_server_loop(asyncio.get_running_loop())
        self.campaign_id = int(self.scope["url_route"]["kwargs"]["campaign_id"])
        self.user = self.scope.get("user")
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        partner_view = query.get("view") == ["partner"]
        # Accepting first lets the client read the close code instead of a bare 403.
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        result = await database_sync_to_async(resolve_audience)(
            self.user, self.campaign_id, partner_view=partner_view
        )
        if isinstance(result, int):
            await self.close(code=result)
            return
        self.audience = result
        await self.channel_layer.group_add(result.group, self.channel_name)
        await self.send_json(
            {
                "type": "hello",
                "campaign_id": self.campaign_id,
                "scope": "staff" if result.partner_id is None else "partner",
                "version": await database_sync_to_async(live.current_version)(self.campaign_id),
            }
        )

    async def disconnect(self, code) -> None:
        if self.audience is not None:
            await self.channel_layer.group_discard(self.audience.group, self.channel_name)
            self.audience = None

    async def receive_json(self, content, **kwargs) -> None:
        # The socket only pushes; clients fetch the snapshot over HTTP.
        await self.send_json({"type": "error", "detail": "this socket accepts no messages"})

    async def live_snapshot(self, message) -> None:
        audience = self.audience
        if audience is None:
            return
        allowed = await database_sync_to_async(audience_still_allowed)(
            self.user, self.campaign_id, audience
        )
        if not allowed:
            await self.channel_layer.group_discard(audience.group, self.channel_name)
            self.audience = None
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.send_json(message["snapshot"])
