"""Hourly metric buckets, imported ad spend, and alerts on the series."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models.campaign import Campaign
from partners.models import Partner


class MetricBucket(models.Model):
    """Counts and money for one campaign, partner and hour; ingestion adds to them."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="buckets", verbose_name=_("campaign")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="+", verbose_name=_("partner")
    )
    hour = models.DateTimeField(_("hour"))
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    unique_clicks = models.PositiveIntegerField(_("unique clicks"), default=0)
    conversions = models.PositiveIntegerField(_("conversions"), default=0)
    revenue = models.DecimalField(
        _("revenue"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    payout = models.DecimalField(_("payout"), max_digits=18, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("metric bucket")
        verbose_name_plural = _("metric buckets")
        ordering = ["-hour"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "partner", "hour"], name="bucket_once_per_hour"
            ),
        ]
        indexes = [models.Index(fields=["partner", "hour"], name="bucket_partner_hour_idx")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.partner_id} {self.hour:%Y-%m-%d %H}:00"


class AdSpend(models.Model):
    """Impressions, clicks and cost for a campaign day, imported from an ad platform report."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="ad_spend", verbose_name=_("campaign")
    )
    day = models.DateField(_("day"))
    source = models.CharField(_("source"), max_length=50)
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("ad spend")
        verbose_name_plural = _("ad spend")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day", "source"], name="ad_spend_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.day} {self.source}"


class AlertRule(models.Model):
    """A threshold on a campaign's hourly series that raises an alert when crossed."""

    class Metric(models.TextChoices):
        CONVERSION_RATE = "conversion_rate", _("Conversion rate below")
        SPEND_PACE = "spend_pace", _("Spend pace above")
        CLICKS_DROP = "clicks_drop", _("Clicks drop by more than")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="alert_rules",
        verbose_name=_("campaign"),
    )
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=10,
        decimal_places=4,
        help_text=_("A percentage for rates and drops; a ratio for pace (1.2 = 20 % ahead)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.threshold}"


class Alert(models.Model):
    """A crossed threshold or an anomaly found on the hourly series."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", _("Threshold")
        ANOMALY = "anomaly", _("Anomaly")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("campaign")
    )
    rule = models.ForeignKey(
        AlertRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("rule"),
    )
    kind = models.CharField(_("kind"), max_length=9, choices=Kind.choices)
    metric = models.CharField(_("metric"), max_length=32)
    hour = models.DateTimeField(_("hour"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    expected = models.DecimalField(
        _("expected"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "metric", "hour"], name="alert_once_per_hour"
            ),
        ]

    def __str__(self) -> str:
        return self.message
