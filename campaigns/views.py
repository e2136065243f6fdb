"""Portal pages where partner members see campaigns, ask to join and copy their links."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from campaigns import selectors_partner, services
from campaigns.models import Enrollment, TrackingLink
from partners.views import member_required


class JoinRequestForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Message for the campaign's managers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Optional: where and how you plan to promote the campaign."),
    )


@dataclass(frozen=True)
class JoinedRow:
    enrollment: Enrollment
    tracking_url: str | None


def _joined_rows(partner) -> list[JoinedRow]:
    rows = []
    for enrollment in selectors_partner.joined_enrollments(partner=partner):
        try:
            link = enrollment.link
        except TrackingLink.DoesNotExist:
            link = None
        approved = enrollment.status == Enrollment.Status.APPROVED
        url = selectors_partner.tracking_url(link.code) if link and approved else None
        rows.append(JoinedRow(enrollment=enrollment, tracking_url=url))
    return rows


@member_required
@require_http_methods(["GET"])
def campaign_list(request):
    partner = request.membership.partner
    context = {
        "membership": request.membership,
        "partner": partner,
        "available": selectors_partner.available_campaigns(partner=partner),
        "joined": _joined_rows(partner),
        "join_form": JoinRequestForm() if request.membership.can_manage else None,
    }
    return render(request, "campaigns/portal_list.html", context)


@member_required(manage=True)
@require_http_methods(["POST"])
def request_to_join(request, pk: int):
    """Record a request to join an open campaign, which staff then approve or reject."""
    partner = request.membership.partner
    campaign = get_object_or_404(selectors_partner.available_campaigns(partner=partner), pk=pk)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("portal_campaigns:list")
    try:
        services.request_enrollment(
            campaign=campaign,
            partner=partner,
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except services.CampaignError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _(
                "You asked to join “%(name)s”. Your tracking link appears here once the "
                "campaign's managers approve the request."
            )
            % {"name": campaign.name},
        )
    return redirect("portal_campaigns:list")
