"""Campaigns, their audience and the partners enrolled in them."""

from __future__ import annotations

import secrets
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from partners.models import Partner, validate_currency


def new_postback_secret() -> str:
    return secrets.token_urlsafe(32)


class Campaign(models.Model):
    """An offer partners promote, with its payout terms, budget and lifecycle."""

    class Kind(models.TextChoices):
        CPA = "cpa", _("Cost per action (CPA)")
        CPL = "cpl", _("Cost per lead (CPL)")
        CPS = "cps", _("Revenue share (CPS)")
        CPC = "cpc", _("Cost per click (CPC)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        ACTIVE = "active", pgettext_lazy("campaign status", "Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class FraudMode(models.TextChoices):
        FLAG = "flag", _("Flag suspicious conversions")
        REJECT = "reject", _("Reject suspicious conversions")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    status = FSMField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(_("description"), blank=True)
    goals = models.TextField(
        _("goals"), blank=True, help_text=_("What counts as a conversion, in plain words.")
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, default="COP", validators=[validate_currency]
    )
    landing_url = models.URLField(_("landing URL"), max_length=500)
    allowed_domains = models.JSONField(
        _("allowed deep-link domains"),
        default=list,
        blank=True,
        help_text=_("Hosts a tracking link may send visitors to besides the landing URL's."),
    )
    payout_amount = models.DecimalField(
        _("payout per conversion"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_("Paid to the partner per approved conversion (per click for CPC)."),
    )
    payout_percent = models.DecimalField(
        _("payout (% of revenue)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_("For revenue share: the partner's percentage of each sale."),
    )
    total_budget = models.DecimalField(
        _("total budget"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    daily_budget = models.DecimalField(
        _("daily budget"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    spent = models.DecimalField(
        _("spent"), max_digits=16, decimal_places=2, default=Decimal("0"), editable=False
    )
    attribution_window_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"), default=30
    )
    unique_click_window_hours = models.PositiveSmallIntegerField(
        _("unique click window (hours)"), default=24
    )
    fraud_mode = models.CharField(
        _("fraud mode"), max_length=6, choices=FraudMode.choices, default=FraudMode.FLAG
    )
    min_click_to_conversion_seconds = models.PositiveIntegerField(
        _("minimum click-to-conversion time (s)"), default=10
    )
    max_conversions_per_ip_per_day = models.PositiveIntegerField(
        _("maximum conversions per IP per day"), default=5
    )
    postback_secret = models.CharField(
        _("postback secret"), max_length=64, default=new_postback_secret, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "starts_at"], name="campaign_status_start_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        domains = []
        for domain in self.allowed_domains or []:
            host = str(domain).strip().lower()
            if not host or "/" in host or " " in host:
                errors["allowed_domains"] = _("%(value)s is not a host name.") % {"value": domain}
                break
            domains.append(host)
        self.allowed_domains = domains
        if errors:
            raise ValidationError(errors)

    @property
    def landing_host(self) -> str:
        return (urlsplit(self.landing_url).hostname or "").lower()

    def allows_destination(self, url: str) -> bool:
        """Return whether ``url`` is on the landing page's host or one of the allowed domains."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = parts.hostname.lower()
        return host == self.landing_host or host in self.allowed_domains

    # Transitions: services check ``can_proceed``, save and publish the event.

    @transition(field=status, source=Status.DRAFT, target=Status.SCHEDULED)
    def schedule(self) -> None:
        pass

    @transition(
        field=status, source=[Status.DRAFT, Status.SCHEDULED, Status.PAUSED], target=Status.ACTIVE
    )
    def launch(self) -> None:
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.PAUSED)
    def pause(self) -> None:
        pass

    @transition(field=status, source=[Status.ACTIVE, Status.PAUSED], target=Status.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.DRAFT, Status.SCHEDULED, Status.ACTIVE, Status.PAUSED],
        target=Status.CANCELLED,
    )
    def cancel(self) -> None:
        pass


class Audience(models.Model):
    """Targeting of a campaign's links by country, device and language; empty allows all."""

    class Device(models.TextChoices):
        DESKTOP = "desktop", _("Desktop")
        MOBILE = "mobile", _("Mobile")
        TABLET = "tablet", _("Tablet")

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="audience", verbose_name=_("campaign")
    )
    countries = models.JSONField(
        _("countries"), default=list, blank=True, help_text=_("ISO 3166 codes, such as CO or MX.")
    )
    devices = models.JSONField(_("devices"), default=list, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Language codes, such as es or en.")
    )
    interests = models.JSONField(_("interests"), default=list, blank=True)

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return str(self.campaign)


class Enrollment(models.Model):
    """A partner's participation in a campaign, with optional caps of its own."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REMOVED = "removed", _("Removed")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("campaign"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("partner")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    total_budget = models.DecimalField(
        _("partner total budget"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    daily_budget = models.DecimalField(
        _("partner daily budget"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    spent = models.DecimalField(
        _("spent"), max_digits=16, decimal_places=2, default=Decimal("0"), editable=False
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "partner"], name="enrollment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.campaign}"
