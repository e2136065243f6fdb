"""Serializer bases shared by the API apps."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class RejectUnknownFieldsMixin:
    """Reject with 400 every body field the serializer does not accept, naming each one.

    DRF ignores unknown fields, so a misspelt or read-only field would otherwise be
    dropped silently and the client would believe it had changed something. The
    unknown fields are reported together with the errors of the known ones.
    """

    def to_internal_value(self, data):
        unknown_errors = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            message = _("This field cannot be set: it is unknown or read-only.")
            unknown_errors = {name: [message] for name in sorted(set(data) - writable)}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown_errors and isinstance(exc.detail, Mapping):
                raise serializers.ValidationError({**exc.detail, **unknown_errors}) from exc
            raise
        if unknown_errors:
            raise serializers.ValidationError(unknown_errors)
        return values


class StrictStringMixin:
    """Accept only JSON strings; DRF's string fields also turn numbers into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictURLField(StrictStringMixin, serializers.URLField):
    pass


class StrictStringsMixin:
    """Build strict string fields for a ModelSerializer's text model fields.

    Without it ``{"display_name": 123}`` would be stored as ``"123"``. Choice fields
    stay as DRF builds them, because a number is never one of their string choices.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.URLField: StrictURLField,
    }
