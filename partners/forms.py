"""Forms of the partner portal: sign-in, password reset, profile and API keys."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.forms.models import fields_for_model
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from hexabuilders.errors import DomainError
from hexabuilders.login_throttle import ThrottledLoginMixin
from partners import portal_access, selectors, services
from partners.identifiers import PHONE_INPUT_MAX_LENGTH
from partners.models import ApiKey, Partner
from partners.services import API_KEY_MAX_LIFETIME, PARTNER_EDITABLE_FIELDS

logger = logging.getLogger(__name__)


class DomainErrorFormMixin:
    """Show a service's ``DomainError`` next to the fields it names."""

    def add_domain_error(self, error: DomainError, *, field_map: dict[str, str] | None = None):
        field_map = field_map or {}
        placed = False
        for name, messages in error.fields.items():
            field = field_map.get(name, name)
            self.add_error(field if field in self.fields else None, messages)
            placed = True
        if not placed:
            self.add_error(None, error.message)


class PortalAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """Sign-in for partner members by e-mail, throttled per e-mail and client IP.

    ``partners.backends.UsernameOrEmailBackend`` ignores the letter case of the e-mail.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail or the password is wrong. Note that the password is case-sensitive."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.label = _("E-mail")
        field.widget.attrs.update({"autocomplete": "username", "inputmode": "email"})

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        membership = selectors.membership_for(user)
        if membership is None:
            return
        message = portal_access.closed_portal_message(membership.partner)
        if message is not None:
            raise ValidationError(message, code="partner_closed")


class PortalPasswordResetForm(PasswordResetForm):
    """Password reset whose e-mail is written in the language of the request."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # The person asking is not signed in and users store no language, so the
        # e-mail uses the language the reset page was shown in.
        language = translation.get_language() or "es"
        subject = " ".join(render_to_string(subject_template_name, context).split())
        body = render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(
            subject, body, from_email, [to_email], headers={"Content-Language": language}
        )
        try:
            message.send()
        except OSError:
            # A failure page would tell a stranger that the address has an account.
            logger.exception("password reset e-mail to user %s failed", context["user"].pk)


def _profile_formfield(model_field, **kwargs):
    # Django 6.0 turns https into the default scheme for typed addresses; use it already.
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    if model_field.name == "phone":
        kwargs["max_length"] = PHONE_INPUT_MAX_LENGTH
    return model_field.formfield(**kwargs)


class PartnerProfileForm(DomainErrorFormMixin, forms.Form):
    """The profile fields a member may change; ``services.update_partner`` saves them."""

    def __init__(self, *args, partner: Partner, **kwargs):
        kwargs.setdefault(
            "initial", {name: getattr(partner, name) for name in PARTNER_EDITABLE_FIELDS}
        )
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.fields.update(
            fields_for_model(
                Partner, fields=PARTNER_EDITABLE_FIELDS, formfield_callback=_profile_formfield
            )
        )
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "type": "tel"})
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean(self):
        cleaned_data = super().clean()
        if self.errors:
            # Without this, the model's errors (phone, IBAN) would appear only after the
            # member fixed the form's own (e-mail, website) and sent the form again.
            valid = {
                name: value for name, value in cleaned_data.items() if name in self.changed_data
            }
            model_errors = services.partner_errors(partner=self.partner, data=valid)
            for name, messages in model_errors.items():
                if name not in self.errors:
                    self.add_error(name if name in self.fields else None, messages)
        return cleaned_data

    def changes(self) -> dict:
        """Return the cleaned values of the fields the member changed."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class ApiKeyCreateForm(DomainErrorFormMixin, forms.Form):
    """A new key's name, scope and expiry, with a one-time token against resubmission.

    ``form_token`` is a random value rendered into each new form. The view creates at
    most one key per token, so reloading the page that shows a new key creates no other.
    """

    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Say where the key is used, for example “Online shop”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiKey.Scope.choices,
        initial=ApiKey.Scope.READ,
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional. The key stops working at the end of this day."),
    )

    # The service takes an ``expires_at`` datetime, and the form takes a date.
    DOMAIN_FIELD_MAP = {"expires_at": "expires_on"}

    @classmethod
    def with_new_token(cls) -> ApiKeyCreateForm:
        """Return an unbound form carrying a fresh one-time token."""
        return cls(initial={"form_token": secrets.token_urlsafe(24)})

    @staticmethod
    def latest_expiry_date() -> dt.date:
        """Return the last day a new key may expire on, within the service's limit."""
        latest = timezone.localtime(timezone.now() + API_KEY_MAX_LIFETIME)
        # The key stops at the end of the chosen day, the next day's midnight.
        return latest.date() - dt.timedelta(days=1)

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if expires_on is None:
            return None
        if expires_on <= timezone.localdate():
            raise ValidationError(_("The expiry date must be after today."), code="past_date")
        # Checked before any arithmetic: the end of 31/12/9999 is past datetime's range.
        latest = self.latest_expiry_date()
        if expires_on > latest:
            raise ValidationError(
                _("A key can expire at most 5 years from today, on %(date)s at the latest."),
                code="too_far",
                params={"date": date_format(latest, "SHORT_DATE_FORMAT")},
            )
        return expires_on

    def expires_at(self) -> dt.datetime | None:
        """Return the end of the chosen day in the active time zone, or None."""
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on is None:
            return None
        next_day = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min)
        return timezone.make_aware(next_day)
