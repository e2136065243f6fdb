"""Input and output serializers of the partner API.

Output serializers are read-only renderings. Input serializers validate a request
body before a service applies it, and reject fields they do not accept.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from hexabuilders.api.serializers import (
    RejectUnknownFieldsMixin,
    StrictCharField,
    StrictStringsMixin,
)
from partners.identifiers import PHONE_INPUT_MAX_LENGTH
from partners.masking import masked_payout
from partners.models import ApiKey, Partner, PartnerContact, PartnerMember
from partners.services import (
    CONTACT_FIELDS,
    PARTNER_EDITABLE_FIELDS,
    contact_errors,
    partner_errors,
)


class PartnerProfileSerializer(serializers.ModelSerializer):
    """The partner's own profile; account numbers are masked."""

    country = serializers.CharField(read_only=True, help_text=_("ISO 3166-1 alpha-2 country code."))
    tax_id = serializers.CharField(
        source="formatted_tax_id",
        read_only=True,
        help_text=_("The tax id in the country's usual printed form."),
    )
    iban = serializers.SerializerMethodField(
        help_text=_("The IBAN with all but the last 4 characters hidden.")
    )
    paypal_email = serializers.SerializerMethodField(
        help_text=_("The PayPal e-mail with its local part hidden.")
    )
    bank_account_number = serializers.SerializerMethodField(
        help_text=_("The account number with all but the last 4 characters hidden.")
    )

    class Meta:
        model = Partner
        fields = [
            "id",
            "legal_name",
            "display_name",
            "kind",
            "country",
            "tax_id",
            "status",
            "tier",
            "email",
            "phone",
            "city",
            "website",
            "default_currency",
            "commission_rate",
            "joined_on",
            "payout_method",
            "iban",
            "bic",
            "paypal_email",
            "bank_name",
            "bank_account_number",
            "bank_account_type",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_iban(self, partner: Partner) -> str:
        return masked_payout(partner).iban

    def get_paypal_email(self, partner: Partner) -> str:
        return masked_payout(partner).paypal_email

    def get_bank_account_number(self, partner: Partner) -> str:
        return masked_payout(partner).bank_account_number


class ModelErrorsTooMixin:
    """Add the model's errors to the field errors, so a client sees every error at once.

    DRF stops at the serializer's own field errors, and the service checks the model
    (phone, tax id, payout details) only on valid input. When some fields fail, this
    mixin runs the model's checks on the fields that passed and reports both.
    Subclasses implement ``model_errors(values)``.
    """

    def model_errors(self, values: dict) -> dict[str, list[str]]:
        raise NotImplementedError

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, Mapping) or not isinstance(data, Mapping):
                raise
            errors = dict(exc.detail)
            for name, messages in self.model_errors(self._passing_values(data, errors)).items():
                key = api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name
                errors.setdefault(key, messages)
            raise serializers.ValidationError(errors) from exc

    def _passing_values(self, data: Mapping, errors: Mapping) -> dict:
        values = {}
        for field in self._writable_fields:
            if field.field_name in errors or field.field_name not in data:
                continue
            try:
                values[field.source] = field.run_validation(field.get_value(data))
            except (serializers.ValidationError, DjangoValidationError):
                continue
        return values


class PartnerProfileUpdateSerializer(
    RejectUnknownFieldsMixin, ModelErrorsTooMixin, StrictStringsMixin, serializers.ModelSerializer
):
    """The profile fields a partner may change; payout details are checked by the service."""

    class Meta:
        model = Partner
        fields = list(PARTNER_EDITABLE_FIELDS)
        # The service stores the phone in E.164; the input may be formatted.
        extra_kwargs = {"phone": {"max_length": PHONE_INPUT_MAX_LENGTH}}

    def model_errors(self, values: dict) -> dict[str, list[str]]:
        return partner_errors(partner=self.instance, data=values)


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerContact
        fields = ["id", *CONTACT_FIELDS]
        read_only_fields = fields


class ContactInputSerializer(
    RejectUnknownFieldsMixin, ModelErrorsTooMixin, StrictStringsMixin, serializers.ModelSerializer
):
    """A contact's fields; the phone is normalised to E.164 by the service."""

    class Meta:
        model = PartnerContact
        fields = list(CONTACT_FIELDS)
        extra_kwargs = {"phone": {"max_length": PHONE_INPUT_MAX_LENGTH}}

    def model_errors(self, values: dict) -> dict[str, list[str]]:
        partner = self.context["view"].partner
        return contact_errors(partner=partner, contact=self.instance, data=values)


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.SerializerMethodField(help_text=_("The member's full name."))

    class Meta:
        model = PartnerMember
        fields = ["id", "email", "name", "role", "created_at"]
        read_only_fields = fields

    def get_name(self, member: PartnerMember) -> str:
        return member.user.get_full_name()


class ApiKeySerializer(serializers.ModelSerializer):
    """An API key without its secret; ``prefix`` distinguishes keys in a list."""

    is_usable = serializers.BooleanField(
        read_only=True, help_text=_("False once the key is revoked or expired.")
    )

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "is_usable",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "created_at",
        ]
        read_only_fields = fields


class ApiKeyCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = StrictCharField(max_length=100)
    scope = serializers.ChoiceField(choices=ApiKey.Scope.choices, default=ApiKey.Scope.READ)
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("Leave empty for a key that never expires.")
    )


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """A new key with its full secret, which no later response contains."""

    key = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The full key, shown only in this response; store it now. It is null when the "
            "response is a replay of an earlier request with the same Idempotency-Key."
        ),
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields

    def to_representation(self, issued):
        # ``issued`` is an IssuedApiKey: the key row and its secret travel separately.
        data = ApiKeySerializer(issued.api_key, context=self.context).data
        return {**data, "key": issued.raw_key}
