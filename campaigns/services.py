"""Commands for the campaign lifecycle and enrollment; each is one transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Audience, Campaign, Enrollment, TrackingLink
from campaigns.models.campaign import new_postback_secret
from hexabuilders.errors import DomainError
from hexabuilders.events import publish
from hexabuilders.services import actor_id, apply_transition
from partners.models import Partner

logger = logging.getLogger(__name__)


class CampaignError(DomainError):
    """A campaign command that breaks a business rule."""


def _validated(instance, message) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise CampaignError(message, fields=exc.message_dict) from exc


@transaction.atomic
def create_campaign(
    *, actor: AbstractBaseUser | None, audience: dict[str, list] | None = None, **fields: Any
) -> Campaign:
    """Create a draft campaign, with its audience when given."""
    campaign = Campaign(created_by=actor if actor_id(actor) else None, **fields)
    _validated(campaign, _("The campaign has invalid data."))
    campaign.save()
    if audience:
        _validated(Audience(campaign=campaign, **audience), _("The audience has invalid data."))
        Audience.objects.create(campaign=campaign, **audience)
    publish(
        "campaign.created",
        aggregate_id=campaign.pk,
        payload={
            "campaign_id": campaign.pk,
            "actor_id": actor_id(actor),
            "name": campaign.name,
            "kind": campaign.kind,
        },
    )
    logger.info("campaign %s created by %s", campaign.pk, actor_id(actor))
    return campaign


def _transition(campaign: Campaign, method_name: str, refusal) -> tuple[Campaign, str]:
    return apply_transition(campaign, method_name, error_class=CampaignError, refusal=refusal)


@transaction.atomic
def schedule_campaign(*, campaign: Campaign, actor: AbstractBaseUser | None) -> Campaign:
    """Schedule a draft to start at its ``starts_at``; the beat job launches it then."""
    if campaign.starts_at is None or campaign.starts_at <= timezone.now():
        raise CampaignError(
            _("Set a start date in the future before scheduling."),
            fields={"starts_at": [_("Set a start date in the future before scheduling.")]},
        )
    campaign, _previous = _transition(
        campaign, "schedule", _("%(name)s cannot be scheduled while it is %(status)s.")
    )
    publish(
        "campaign.scheduled",
        aggregate_id=campaign.pk,
        payload={
            "campaign_id": campaign.pk,
            "actor_id": actor_id(actor),
            "starts_at": campaign.starts_at,
        },
    )
    return campaign


@transaction.atomic
def launch_campaign(*, campaign: Campaign, actor: AbstractBaseUser | None) -> Campaign:
    """Make a draft, scheduled or paused campaign active."""
    if campaign.ends_at is not None and campaign.ends_at <= timezone.now():
        raise CampaignError(_("%(name)s has already ended.") % {"name": campaign})
    campaign, previous = _transition(
        campaign, "launch", _("%(name)s cannot be launched while it is %(status)s.")
    )
    publish(
        "campaign.launched",
        aggregate_id=campaign.pk,
        payload={
            "campaign_id": campaign.pk,
            "actor_id": actor_id(actor),
            "previous_status": previous,
        },
    )
    logger.info("campaign %s launched by %s", campaign.pk, actor_id(actor))
    return campaign


@transaction.atomic
def pause_campaign(
    *, campaign: Campaign, actor: AbstractBaseUser | None, reason: str = ""
) -> Campaign:
    """Pause an active campaign; its links send visitors to the fallback."""
    campaign, _previous = _transition(
        campaign, "pause", _("%(name)s cannot be paused while it is %(status)s.")
    )
    publish(
        "campaign.paused",
        aggregate_id=campaign.pk,
        payload={"campaign_id": campaign.pk, "actor_id": actor_id(actor), "reason": reason},
    )
    logger.info("campaign %s paused by %s: %s", campaign.pk, actor_id(actor), reason)
    return campaign


@transaction.atomic
def complete_campaign(*, campaign: Campaign, actor: AbstractBaseUser | None) -> Campaign:
    """End an active or paused campaign."""
    campaign, _previous = _transition(
        campaign, "complete", _("%(name)s cannot be completed while it is %(status)s.")
    )
    publish(
        "campaign.completed",
        aggregate_id=campaign.pk,
        payload={"campaign_id": campaign.pk, "actor_id": actor_id(actor)},
    )
    return campaign


@transaction.atomic
def cancel_campaign(
    *, campaign: Campaign, actor: AbstractBaseUser | None, reason: str = ""
) -> Campaign:
    """Cancel a campaign that has not completed."""
    campaign, _previous = _transition(
        campaign, "cancel", _("%(name)s cannot be cancelled while it is %(status)s.")
    )
    publish(
        "campaign.cancelled",
        aggregate_id=campaign.pk,
        payload={"campaign_id": campaign.pk, "actor_id": actor_id(actor), "reason": reason},
    )
    return campaign


@transaction.atomic
def rotate_postback_secret(*, campaign: Campaign, actor: AbstractBaseUser | None) -> Campaign:
    """Replace the postback secret; postbacks signed with the old one fail from now on."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    locked.postback_secret = new_postback_secret()
    locked.save(update_fields=["postback_secret", "updated_at"])
    logger.info("campaign %s postback secret rotated by %s", locked.pk, actor_id(actor))
    return locked


def _publish_enrollment(name: str, enrollment: Enrollment, actor) -> None:
    publish(
        name,
        aggregate_id=enrollment.pk,
        payload={
            "enrollment_id": enrollment.pk,
            "campaign_id": enrollment.campaign_id,
            "partner_id": enrollment.partner_id,
            "actor_id": actor_id(actor),
        },
    )


def _new_enrollment(campaign: Campaign, partner: Partner, status: str) -> Enrollment:
    if partner.status != Partner.Status.ACTIVE:
        raise CampaignError(
            _("%(partner)s is not active, so it cannot join campaigns.") % {"partner": partner}
        )
    if campaign.status in (Campaign.Status.COMPLETED, Campaign.Status.CANCELLED):
        raise CampaignError(_("%(name)s has ended.") % {"name": campaign})
    try:
        with transaction.atomic():
            return Enrollment.objects.create(campaign=campaign, partner=partner, status=status)
    except IntegrityError:
        raise CampaignError(
            _("%(partner)s is already enrolled in %(name)s or has asked to join.")
            % {"partner": partner, "name": campaign}
        ) from None


@transaction.atomic
def invite_partner(
    *, campaign: Campaign, partner: Partner, actor: AbstractBaseUser | None
) -> Enrollment:
    """Enroll a partner on staff's initiative; the partner is approved at once."""
    enrollment = _new_enrollment(campaign, partner, Enrollment.Status.INVITED)
    _publish_enrollment("enrollment.invited", enrollment, actor)
    return approve_enrollment(enrollment=enrollment, actor=actor)


@transaction.atomic
def request_enrollment(
    *, campaign: Campaign, partner: Partner, actor: AbstractBaseUser | None, note: str = ""
) -> Enrollment:
    """Record a partner's request to join; staff approve or reject it."""
    enrollment = _new_enrollment(campaign, partner, Enrollment.Status.REQUESTED)
    if note:
        enrollment.note = note
        enrollment.save(update_fields=["note"])
    _publish_enrollment("enrollment.requested", enrollment, actor)
    return enrollment


@transaction.atomic
def approve_enrollment(*, enrollment: Enrollment, actor: AbstractBaseUser | None) -> Enrollment:
    """Approve a request or invitation and issue the tracking link."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status not in (Enrollment.Status.REQUESTED, Enrollment.Status.INVITED):
        raise CampaignError(
            _("This enrollment is %(status)s and cannot be approved.")
            % {"status": enrollment.get_status_display()},
            code="invalid_transition",
        )
    enrollment.status = Enrollment.Status.APPROVED
    enrollment.decided_at = timezone.now()
    enrollment.decided_by = actor if actor_id(actor) else None
    enrollment.save(update_fields=["status", "decided_at", "decided_by"])
    TrackingLink.objects.get_or_create(enrollment=enrollment)
    _publish_enrollment("enrollment.approved", enrollment, actor)
    return enrollment


@transaction.atomic
def reject_enrollment(*, enrollment: Enrollment, actor: AbstractBaseUser | None) -> Enrollment:
    """Decline a partner's request to join."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != Enrollment.Status.REQUESTED:
        raise CampaignError(
            _("This enrollment is %(status)s and cannot be rejected.")
            % {"status": enrollment.get_status_display()},
            code="invalid_transition",
        )
    enrollment.status = Enrollment.Status.REJECTED
    enrollment.decided_at = timezone.now()
    enrollment.decided_by = actor if actor_id(actor) else None
    enrollment.save(update_fields=["status", "decided_at", "decided_by"])
    _publish_enrollment("enrollment.rejected", enrollment, actor)
    return enrollment
