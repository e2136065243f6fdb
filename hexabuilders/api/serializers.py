"""Serializer bases shared by the API apps."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class RejectUnknownFieldsMixin:
    """Reject with 400 every body field the serializer does not accept, naming each one.

    DRF ignores unknown fields, so a misspelt or read-only field would otherwise be
    dropped silently and the client would believe it had changed something.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                message = _("This field cannot be set: it is unknown or read-only.")
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)
