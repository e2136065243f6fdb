"""Access rules of the partner portal that depend on the partner's status."""

from __future__ import annotations

from django.utils.translation import gettext as _

from partners.models import Partner


def closed_portal_message(partner: Partner) -> str | None:
    """Return why the partner's members may not use the portal, or None when they may."""
    if partner.status == Partner.Status.SUSPENDED:
        return _(
            "The partner account %(name)s is suspended, so the portal is closed to its "
            "members. Contact your account manager to restore access."
        ) % {"name": partner}
    if partner.status == Partner.Status.TERMINATED:
        return _(
            "The partner account %(name)s has been terminated, so the portal is no longer "
            "available to its members."
        ) % {"name": partner}
    return None
