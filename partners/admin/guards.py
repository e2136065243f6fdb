"""Phone inputs for the partners admin. The shared input guards are in hexabuilders.admin_guards."""

from __future__ import annotations

from partners.identifiers import PHONE_INPUT_MAX_LENGTH


class TypedPhoneMixin:
    """For a ModelAdmin or inline: phone inputs as long as people type them.

    The model stores E.164 in at most 20 characters and normalises the phone before
    it checks the length, so the form field only needs room for spaces and dashes.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "phone":
            kwargs["max_length"] = PHONE_INPUT_MAX_LENGTH
        return super().formfield_for_dbfield(db_field, request, **kwargs)
