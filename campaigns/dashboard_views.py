"""Live campaign dashboards: the staff page beside the admin and the partner portal page.

Both pages render the latest snapshot, then the page script follows the campaign's
WebSocket and refetches the JSON snapshot over HTTP on connect and after a missed version.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from campaigns import live
from campaigns.consumers import staff_may_view
from campaigns.models import Campaign
from partners.views import member_required


def _staff_campaign(request, campaign_id: int) -> Campaign:
    if not staff_may_view(request.user):
        raise PermissionDenied
    return get_object_or_404(Campaign, pk=campaign_id)


def _enrolled_campaign(request, campaign_id: int) -> Campaign:
    # A campaign the partner has not joined is as invisible as one that does not exist.
    partner = request.membership.partner
    campaign = live.enrolled_campaign(campaign_id=campaign_id, partner_id=partner.pk)
    if campaign is None:
        raise Http404
    return campaign


@never_cache
@staff_member_required
@require_GET
def staff_dashboard(request, campaign_id: int):
    campaign = _staff_campaign(request, campaign_id)
    context = {
        **admin.site.each_context(request),
        "opts": Campaign._meta,
        "title": campaign.name,
        "campaign": campaign,
        "snapshot": live.snapshot_for_staff(campaign),
        "snapshot_url": reverse("campaigns_live:staff_snapshot", args=[campaign.pk]),
        "socket_path": f"/ws/campaigns/{campaign.pk}/live/",
    }
    return render(request, "campaigns/live_admin.html", context)


@never_cache
@staff_member_required
@require_GET
def staff_snapshot(request, campaign_id: int):
    campaign = _staff_campaign(request, campaign_id)
    return JsonResponse(live.snapshot_for_staff(campaign))


@member_required
@require_GET
def portal_dashboard(request, campaign_id: int):
    campaign = _enrolled_campaign(request, campaign_id)
    partner = request.membership.partner
    context = {
        "membership": request.membership,
        "partner": partner,
        "campaign": campaign,
        "snapshot": live.snapshot_for_partner(campaign, partner.pk),
        "snapshot_url": reverse("campaigns_live:portal_snapshot", args=[campaign.pk]),
        "socket_path": f"/ws/campaigns/{campaign.pk}/live/?view=partner",
    }
    return render(request, "campaigns/live_portal.html", context)


@member_required
@require_GET
def portal_snapshot(request, campaign_id: int):
    campaign = _enrolled_campaign(request, campaign_id)
    return JsonResponse(live.snapshot_for_partner(campaign, request.membership.partner_id))
