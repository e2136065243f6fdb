"""Forms used only by the partner admin."""

from __future__ import annotations

from django import forms
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from import_export.forms import ImportForm, SelectableFieldsExportForm

from partners.currencies import currency_choices
from partners.imports.resources import COLUMN_LABELS
from partners.models import Partner, PartnerMember


def _https_formfield(model_field, **kwargs):
    # Django 6 makes https the default scheme of typed addresses; use it already.
    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)


class PartnerAdminForm(forms.ModelForm):
    """The partner change form, with currencies named in the staff member's language."""

    default_currency = forms.ChoiceField(
        label=capfirst(Partner._meta.get_field("default_currency").verbose_name),
        choices=currency_choices,
        initial="COP",
    )
    website = forms.URLField(
        label=capfirst(Partner._meta.get_field("website").verbose_name),
        required=False,
        max_length=200,
        assume_scheme="https",
    )

    class Meta:
        model = Partner
        formfield_callback = _https_formfield
        # Status is missing on purpose: it changes only through the admin actions.
        fields = (
            "legal_name",
            "display_name",
            "kind",
            "country",
            "tax_id",
            "email",
            "phone",
            "city",
            "website",
            "tier",
            "default_currency",
            "commission_rate",
            "joined_on",
            "account_manager",
            "payout_method",
            "iban",
            "bic",
            "paypal_email",
            "bank_name",
            "bank_account_number",
            "bank_account_type",
        )


class PartnerExportForm(SelectableFieldsExportForm):
    """The export form, with each column's checkbox named by its translated header."""

    def _get_field_label(self, resource, field_name: str) -> str:
        label = COLUMN_LABELS.get(field_name)
        return str(label) if label is not None else super()._get_field_label(resource, field_name)


class StatusChangeReasonForm(forms.Form):
    """The reason staff give when suspending or terminating partners."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Stored with the status change and sent with the event; optional."),
    )


# A partner spreadsheet is a few hundred kilobytes; the limit stops a wrong file (a
# database dump, a video) from being read into memory whole.
MAX_IMPORT_FILE_BYTES = 5 * 1024 * 1024


class PartnerImportForm(ImportForm):
    """The import upload, with a size limit checked before the file is parsed."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_IMPORT_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; files of up to %(limit)s can be imported.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_IMPORT_FILE_BYTES),
                },
                code="too_large",
            )
        return upload


class MemberInviteForm(forms.Form):
    """The person to invite to a partner's portal."""

    # The admin's stylesheet marks labels of this class in bold, as on its own forms.
    required_css_class = "required"

    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=PartnerMember.Role.choices, initial=PartnerMember.Role.OWNER
    )
