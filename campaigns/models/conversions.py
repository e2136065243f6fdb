"""Conversions reported by postback, exchange rates and per-day spend counters."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.campaign import Campaign, Enrollment
from campaigns.models.tracking import Click
from partners.models import Partner


class Conversion(models.Model):
    """A sale, lead or action reported by the advertiser, linked to its click."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        HELD = "held", _("Held: budget reached")
        REJECTED = "rejected", _("Rejected")
        REVERSED = "reversed", _("Reversed")

    class Reason(models.TextChoices):
        NONE = "", _("None")
        NO_CLICK = "no_click", _("No matching click")
        OUTSIDE_WINDOW = "outside_window", _("Click outside the attribution window")
        TOO_FAST = "too_fast", _("Conversion too soon after the click")
        IP_REPEATED = "ip_repeated", _("Too many conversions from one address")
        BOT_CLICK = "bot_click", _("Click from a bot")
        BUDGET_REACHED = "budget_reached", _("Budget reached")
        CAMPAIGN_INACTIVE = "campaign_inactive", _("Campaign not active")
        REFUND = "refund", _("Refunded")
        CHARGEBACK = "chargeback", _("Chargeback")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="conversions",
        verbose_name=_("campaign"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversions",
        verbose_name=_("partner"),
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrollment"),
    )
    click = models.ForeignKey(
        Click,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversions",
        verbose_name=_("click"),
    )
    transaction_id = models.CharField(_("transaction id"), max_length=100)
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        help_text=_("Revenue in the campaign's currency."),
    )
    original_amount = models.DecimalField(_("amount as reported"), max_digits=16, decimal_places=2)
    original_currency = models.CharField(_("currency as reported"), max_length=3)
    exchange_rate = models.DecimalField(
        _("exchange rate used"), max_digits=18, decimal_places=8, default=Decimal("1")
    )
    payout = models.DecimalField(_("payout"), max_digits=16, decimal_places=2, default=Decimal("0"))
    status = models.CharField(_("status"), max_length=9, choices=Status.choices)
    reason_code = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    fraud_flags = models.JSONField(_("fraud signals"), default=list, blank=True)
    ip_hash = models.CharField(_("IP hash"), max_length=64, blank=True)
    request_fingerprint = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    folded = models.BooleanField(_("folded into metrics"), default=False, editable=False)
    # The status the metric buckets reflect. Ingestion adds the difference between
    # ``status`` and this value, so a reversal after a fold subtracts what the approval added.
    folded_status = models.CharField(
        _("status folded into metrics"), max_length=9, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "transaction_id"], name="conversion_once_per_transaction"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "created_at"], name="conv_campaign_time_idx"),
            models.Index(fields=["partner", "created_at"], name="conv_partner_time_idx"),
            models.Index(fields=["campaign", "ip_hash", "created_at"], name="conv_ip_idx"),
            models.Index(
                fields=["id"],
                name="conv_unfolded_idx",
                condition=models.Q(folded=False) | ~models.Q(status=models.F("folded_status")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.transaction_id}"


class ExchangeRate(models.Model):
    """How many units of ``quote`` one unit of ``base`` buys on a day."""

    base = models.CharField(_("base currency"), max_length=3)
    quote = models.CharField(_("quote currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    valid_on = models.DateField(_("valid on"))

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-valid_on", "base", "quote"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "valid_on"], name="rate_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} ({self.valid_on})"


class DailySpend(models.Model):
    """Spend reserved on one day, for a whole campaign or one enrolled partner.

    ``scope`` is ``campaign`` or ``partner:<id>`` so one unique constraint covers both.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=32)
    day = models.DateField()
    spent = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("daily spend")
        verbose_name_plural = _("daily spend")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "scope", "day"], name="spend_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.scope} {self.day}: {self.spent}"
