"""Reads of the campaign data one partner may view, shared by the partner API and the portal."""

from __future__ import annotations

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery

from campaigns.models import Campaign, Enrollment, TrackingLink
from partners.models import Partner

# Campaigns any active partner may see and ask to join.
OPEN_STATUSES = (Campaign.Status.SCHEDULED, Campaign.Status.ACTIVE)


def tracking_url(code: str) -> str:
    """Return the public URL of the tracking link with ``code``."""
    return f"{settings.PUBLIC_URL}/t/{code}"


def campaigns_for_partner(*, partner: Partner) -> QuerySet[Campaign]:
    """Return open campaigns and every campaign the partner is enrolled in.

    Each row carries ``enrollment_status`` (empty when the partner is not enrolled),
    ``enrollment_id`` and ``link_code`` (empty until the enrollment is approved).
    """
    own = Enrollment.objects.filter(campaign=OuterRef("pk"), partner=partner)
    return (
        Campaign.objects.annotate(
            enrollment_status=Subquery(own.values("status")[:1]),
            enrollment_id=Subquery(own.values("pk")[:1]),
            link_code=Subquery(own.values("link__code")[:1]),
        )
        .filter(Q(status__in=OPEN_STATUSES) | Q(enrollment_id__isnull=False))
        .order_by("-starts_at", "-pk")
    )


def available_campaigns(*, partner: Partner) -> QuerySet[Campaign]:
    """Return open campaigns the partner has not joined nor asked to join."""
    return campaigns_for_partner(partner=partner).filter(
        status__in=OPEN_STATUSES, enrollment_id__isnull=True
    )


def joined_enrollments(*, partner: Partner) -> QuerySet[Enrollment]:
    """Return the partner's enrollments other than rejected or removed ones, newest first."""
    return (
        Enrollment.objects.filter(partner=partner)
        .exclude(status__in=(Enrollment.Status.REJECTED, Enrollment.Status.REMOVED))
        .select_related("campaign", "link")
        .order_by("-created_at", "-pk")
    )


def partner_links(*, partner: Partner) -> QuerySet[TrackingLink]:
    return TrackingLink.objects.filter(enrollment__partner=partner).select_related(
        "enrollment__campaign"
    )
