"""Tracking links and the clicks recorded when visitors follow them."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from uuid6 import uuid7

from campaigns.models.campaign import Campaign, Enrollment
from partners.models import Partner

# 10 characters of the URL-safe alphabet give 60 bits: unguessable, yet short to share.
LINK_CODE_LENGTH = 10
_CODE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def new_link_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))


class TrackingLink(models.Model):
    """The short link ``/t/<code>`` a partner shares for one campaign."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.CASCADE, related_name="link", verbose_name=_("enrollment")
    )
    code = models.CharField(_("code"), max_length=16, unique=True, default=new_link_code)
    destination_url = models.URLField(
        _("destination URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "A deep link on the landing page's host or an allowed domain; "
            "empty sends visitors to the landing URL."
        ),
    )
    sub_ids = models.JSONField(
        _("default sub-ids"),
        default=dict,
        blank=True,
        help_text=_("Values such as sub1..sub5 recorded on every click unless the URL sets them."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tracking link")
        verbose_name_plural = _("tracking links")

    def __str__(self) -> str:
        return f"/t/{self.code}"


class Click(models.Model):
    """One request to a tracking link; the raw IP address is never stored."""

    class Device(models.TextChoices):
        DESKTOP = "desktop", _("Desktop")
        MOBILE = "mobile", _("Mobile")
        TABLET = "tablet", _("Tablet")
        BOT = "bot", _("Bot")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        REDIRECTED = "redirected", _("Redirected to the campaign")
        PREVIEW = "preview", _("Link preview or HEAD request")
        UNKNOWN_LINK = "unknown_link", _("Unknown link: sent to the fallback")
        INACTIVE = "inactive", _("Campaign or enrollment not active: sent to the fallback")
        NOT_TARGETED = "not_targeted", _("Outside the audience: sent to the fallback")

    # UUIDv7 ids sort by creation time, so the primary key doubles as a time index.
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    link = models.ForeignKey(
        TrackingLink,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clicks",
        verbose_name=_("tracking link"),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="clicks",
        verbose_name=_("campaign"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="clicks",
        verbose_name=_("partner"),
    )
    code = models.CharField(_("code requested"), max_length=64)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    ip_hash = models.CharField(_("IP hash"), max_length=64)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    device = models.CharField(_("device"), max_length=8, choices=Device.choices)
    country = models.CharField(_("country"), max_length=2, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    referrer_domain = models.CharField(_("referrer domain"), max_length=255, blank=True)
    sub_ids = models.JSONField(_("sub-ids"), default=dict, blank=True)
    is_bot = models.BooleanField(_("bot"), default=False)
    is_unique = models.BooleanField(_("unique"), default=False)
    is_billable = models.BooleanField(_("billable"), default=False)
    folded = models.BooleanField(_("folded into metrics"), default=False, editable=False)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["campaign", "created_at"], name="click_campaign_time_idx"),
            models.Index(fields=["partner", "created_at"], name="click_partner_time_idx"),
            models.Index(
                fields=["created_at"],
                name="click_unfolded_idx",
                condition=models.Q(folded=False),
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)
