"""Reads shared by the admin, the API and the portal."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from partners.models import ApiKey, Partner, PartnerContact, PartnerMember


def membership_for(user: AbstractBaseUser) -> PartnerMember | None:
    """Return the user's partner membership, or None for staff and strangers."""
    if not user.is_authenticated:
        return None
    return PartnerMember.objects.select_related("partner").filter(user=user).first()


def partner_contacts(*, partner: Partner) -> QuerySet[PartnerContact]:
    return PartnerContact.objects.filter(partner=partner)


def partner_members(*, partner: Partner) -> QuerySet[PartnerMember]:
    return PartnerMember.objects.filter(partner=partner).select_related("user")


def partner_api_keys(*, partner: Partner) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(partner=partner).select_related("created_by")
