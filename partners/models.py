"""Partners, their contacts and members, and the API keys they use."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_fsm import FSMField, transition

from partners import identifiers
from partners.currencies import ISO_CURRENCIES

# Join dates outside these bounds are typing mistakes. The bound also keeps the
# admin's date drill-down away from the year 9999, past which Python dates end.
EARLIEST_JOIN_DATE = dt.date(1900, 1, 1)
JOIN_DATE_MAX_AHEAD = dt.timedelta(days=366)


def validate_currency(value: str) -> None:
    if value not in ISO_CURRENCIES:
        raise ValidationError(
            _("%(value)s is not an ISO 4217 currency code.") % {"value": value},
            code="invalid_currency",
        )


class Partner(models.Model):
    """A company or person that promotes our clients' offers for a commission."""

    class Kind(models.TextChoices):
        AFFILIATE = "affiliate", _("Affiliate")
        INFLUENCER = "influencer", _("Influencer")
        RESELLER = "reseller", _("Reseller")
        AGENCY = "agency", _("Agency")

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    class Tier(models.TextChoices):
        STANDARD = "standard", _("Standard")
        SILVER = "silver", _("Silver")
        GOLD = "gold", _("Gold")
        PLATINUM = "platinum", _("Platinum")

    class PayoutMethod(models.TextChoices):
        NONE = "", _("Not set")
        IBAN = "iban", _("Bank transfer (IBAN)")
        PAYPAL = "paypal", _("PayPal")
        LOCAL_BANK = "local_bank", _("Local bank account")

    class BankAccountType(models.TextChoices):
        NONE = "", _("Not set")
        SAVINGS = "savings", _("Savings")
        CHECKING = "checking", _("Checking")

    legal_name = models.CharField(_("legal name"), max_length=200)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    country = CountryField(_("country"))
    tax_id = models.CharField(
        _("tax id"),
        max_length=32,
        help_text=_("Checked against the country's scheme and stored without dots or dashes."),
    )
    status = FSMField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLICANT)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("Stored in international format.")
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    default_currency = models.CharField(
        _("default currency"), max_length=3, default="COP", validators=[validate_currency]
    )
    commission_rate = models.DecimalField(
        _("commission (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Default commission as a percentage of revenue."),
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_partners",
        limit_choices_to={"is_staff": True},
        verbose_name=_("account manager"),
    )
    payout_method = models.CharField(
        _("payout method"), max_length=12, choices=PayoutMethod.choices, blank=True
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    paypal_email = models.EmailField(_("PayPal e-mail"), blank=True)
    bank_name = models.CharField(_("bank name"), max_length=100, blank=True)
    bank_account_number = models.CharField(_("bank account number"), max_length=34, blank=True)
    bank_account_type = models.CharField(
        _("bank account type"), max_length=10, choices=BankAccountType.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "tax_id"], name="partner_unique_tax_id"),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="partner_status_kind_idx")]

    def __str__(self) -> str:
        return self.display_name or self.legal_name

    @property
    def formatted_tax_id(self) -> str:
        return identifiers.format_tax_id(self.tax_id, str(self.country))

    def clean_fields(self, exclude=None) -> None:
        # The phone is normalised before the length check, which would otherwise measure
        # the typed form and reject a valid "+57 (604) 510 - 90 00".
        self.phone = identifiers.phone_for_storage(self.phone, str(self.country or "") or None)
        super().clean_fields(exclude)

    def clean(self) -> None:
        """Normalise the tax id, phone and payout details, collecting every error."""
        errors: dict[str, list] = {}
        country = str(self.country or "")
        if country and self.tax_id:
            try:
                self.tax_id = identifiers.normalize_tax_id(self.tax_id, country)
            except ValidationError as exc:
                errors["tax_id"] = exc.messages
        if self.phone:
            try:
                self.phone = identifiers.normalize_phone(self.phone, country)
            except ValidationError as exc:
                errors["phone"] = exc.messages
        joined_on_error = self._joined_on_error()
        if joined_on_error is not None:
            errors["joined_on"] = [joined_on_error]
        errors.update(self._clean_payout())
        if errors:
            raise ValidationError(errors)

    def _joined_on_error(self) -> str | None:
        if self.joined_on is None:
            return None
        latest = timezone.localdate() + JOIN_DATE_MAX_AHEAD
        if EARLIEST_JOIN_DATE <= self.joined_on <= latest:
            return None
        return _("The join date must be between %(earliest)s and %(latest)s.") % {
            "earliest": date_format(EARLIEST_JOIN_DATE, "SHORT_DATE_FORMAT"),
            "latest": date_format(latest, "SHORT_DATE_FORMAT"),
        }

    def _clean_payout(self) -> dict[str, list]:
        errors: dict[str, list] = {}
        required = _("This field is required for the chosen payout method.")
        if self.payout_method == self.PayoutMethod.IBAN:
            if not self.iban:
                errors["iban"] = [required]
            else:
                try:
                    self.iban = identifiers.normalize_iban(self.iban)
                except ValidationError as exc:
                    errors["iban"] = exc.messages
            if self.bic:
                try:
                    self.bic = identifiers.normalize_bic(self.bic)
                except ValidationError as exc:
                    errors["bic"] = exc.messages
        elif self.payout_method == self.PayoutMethod.PAYPAL and not self.paypal_email:
            errors["paypal_email"] = [required]
        elif self.payout_method == self.PayoutMethod.LOCAL_BANK:
            for field_name in ("bank_name", "bank_account_number", "bank_account_type"):
                if not getattr(self, field_name):
                    errors[field_name] = [required]
        return errors

    # Transitions. Services call these after checking ``can_proceed``; each only
    # moves the status, and the service saves and publishes the event.

    @transition(field=status, source=Status.APPLICANT, target=Status.ONBOARDING)
    def start_onboarding(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.APPLICANT, Status.ONBOARDING, Status.SUSPENDED],
        target=Status.ACTIVE,
    )
    def activate(self) -> None:
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.SUSPENDED)
    def suspend(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.APPLICANT, Status.ONBOARDING, Status.ACTIVE, Status.SUSPENDED],
        target=Status.TERMINATED,
    )
    def terminate(self) -> None:
        pass


class PartnerContact(models.Model):
    """A person at the partner whom staff contact, such as billing or legal."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        # As for Partner: the length check must see the normalised phone.
        country = str(self.partner.country) if self.partner_id else None
        self.phone = identifiers.phone_for_storage(self.phone, country)
        super().clean_fields(exclude)

    def clean(self) -> None:
        if self.phone:
            country = str(self.partner.country) if self.partner_id else None
            try:
                self.phone = identifiers.normalize_phone(self.phone, country)
            except ValidationError as exc:
                raise ValidationError({"phone": exc.messages}) from None


class PartnerMember(models.Model):
    """A user who acts for a partner in the portal and the API."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Administrator")
        VIEWER = "viewer", _("Viewer")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="members", verbose_name=_("partner")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_membership",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["partner", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} · {self.partner}"

    @property
    def can_manage(self) -> bool:
        """Whether the member may change the profile and manage API keys."""
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A partner's API credential; only a SHA-256 digest of the secret is stored.

    The full key is ``hxb_<prefix>_<secret>``. The prefix is shown in lists so
    partners can tell keys apart; the whole key is shown once, at creation.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (hxb_{self.prefix}_…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        # The secret is 32 random bytes, so a fast digest is enough; a slow
        # password hash would only add latency to every API call.
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def allows(self, scope: str) -> bool:
        return scope == self.Scope.READ or self.scope == self.Scope.WRITE
