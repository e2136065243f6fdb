"""The partner spreadsheet: columns, parsing, matching and saving through the services.

Staff import the files they keep in Excel: Spanish or English headers, decimal
commas, dd/mm/yyyy dates, tax ids with or without dots and dashes. A partner is
identified by its country and its normalised tax id, so importing a file again
updates the partners it created. An import is all or nothing: when any row is
invalid, every bad row is reported and nothing is written.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.results import Error

from partners import identifiers, services
from partners.imports import cells
from partners.imports.columns import SpreadsheetColumnsMixin
from partners.imports.formats import SpreadsheetFileError, uses_decimal_comma
from partners.models import Partner

logger = logging.getLogger(__name__)

# Export headers, translated into the active language. The import accepts them too.
COLUMN_LABELS = {
    "legal_name": gettext_lazy("Legal name"),
    "display_name": gettext_lazy("Display name"),
    "kind": gettext_lazy("Kind"),
    "country": gettext_lazy("Country"),
    "tax_id": gettext_lazy("Tax id"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "city": gettext_lazy("City"),
    "default_currency": gettext_lazy("Currency"),
    "commission_rate": gettext_lazy("Commission (%)"),
    "joined_on": gettext_lazy("Joined on"),
    "status": gettext_lazy("Status"),
}

# Headers found in the spreadsheets staff keep, compared after ``cells.fold``.
HEADER_ALIASES = {
    "legal_name": ("Razón social", "Nombre legal", "Legal name", "Company name"),
    "display_name": ("Nombre comercial", "Display name", "Trade name"),
    "kind": ("Tipo", "Tipo de partner", "Kind", "Type"),
    "country": ("País", "Country"),
    "tax_id": (
        "NIT / ID tributario",
        "NIT",
        "ID tributario",
        "Identificación tributaria",
        "Tax id",
        "Tax identification number",
    ),
    "email": ("Correo", "Correo electrónico", "E-mail"),
    "phone": ("Teléfono", "Celular", "Phone", "Telephone"),
    "city": ("Ciudad", "City"),
    "default_currency": ("Moneda", "Currency", "Default currency"),
    "commission_rate": ("Comisión (%)", "Comisión", "Commission (%)", "Commission rate"),
    "joined_on": ("Fecha de alta", "Fecha de ingreso", "Joined on", "Join date"),
    "status": ("Estado", "Status"),
}

REQUIRED_COLUMNS = ("legal_name", "kind", "country", "tax_id")

# Spanish names of the kinds, accepted whatever the catalog translates them to.
KIND_ALIASES = {
    "Afiliado": Partner.Kind.AFFILIATE,
    "Influenciador": Partner.Kind.INFLUENCER,
    "Influencer": Partner.Kind.INFLUENCER,
    "Revendedor": Partner.Kind.RESELLER,
    "Distribuidor": Partner.Kind.RESELLER,
    "Agencia": Partner.Kind.AGENCY,
}


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return cells.cell_text(value)


class CurrencyWidget(widgets.Widget):
    """An ISO 4217 code. A blank cell keeps the partner's currency (COP for a new one)."""

    def clean(self, value, row=None, **kwargs):
        return cells.cell_text(value).upper() or None


class ChoiceWidget(widgets.Widget):
    """A choice typed as its stored value, its label in any language, or an alias."""

    def __init__(self, choices_class, aliases=None):
        super().__init__()
        self.choices_class = choices_class
        self.aliases = aliases or {}

    def clean(self, value, row=None, **kwargs):
        return cells.parse_choice(value, self.choices_class.choices, self.aliases)

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        return str(self.choices_class(value).label)


class CountryWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return cells.parse_country(value)

    def render(self, value, obj=None, **kwargs):
        return str(getattr(value, "code", value) or "")


def _row_country(row) -> str | None:
    return cells.find_country((row or {}).get("country"))


class TaxIdWidget(widgets.Widget):
    """Normalise the tax id for the row's country, leaving an invalid id for the model to report."""

    def clean(self, value, row=None, **kwargs):
        text = cells.cell_text(value)
        if not text:
            return ""
        country = _row_country(row)
        if country is None:
            raise ValueError(_("The tax id cannot be checked until the country is valid."))
        try:
            return identifiers.normalize_tax_id(text, country)
        except ValidationError:
            # Partner.clean raises the same error with the country's scheme name.
            return text


class PhoneWidget(widgets.Widget):
    """Normalise to E.164 when possible, so an unchanged phone compares equal."""

    def clean(self, value, row=None, **kwargs):
        text = cells.cell_text(value)
        if not text:
            return ""
        return identifiers.phone_for_storage(text, _row_country(row))


class LocalizedDecimalWidget(widgets.Widget):
    """A decimal written with the active language's separator, or a number cell in XLSX."""

    def clean(self, value, row=None, **kwargs):
        return cells.parse_decimal(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        if kwargs.get("force_native_type"):
            return value
        text = f"{Decimal(value).normalize():f}"
        return text.replace(".", ",") if uses_decimal_comma() else text


class DayFirstDateWidget(widgets.Widget):
    """Dates as dd/mm/yyyy in Spanish and ISO 8601 in English, or a date cell in XLSX."""

    def clean(self, value, row=None, **kwargs):
        return cells.parse_date(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        if kwargs.get("force_native_type"):
            return value
        if (translation.get_language() or "").startswith("en"):
            return value.isoformat()
        return value.strftime("%d/%m/%Y")


class FileErrorResult(Error):
    """A problem with the whole file, shown to staff with its message but no traceback."""

    def __init__(self, error, **kwargs):
        super().__init__(error, **kwargs)
        if isinstance(error, SpreadsheetFileError):
            self.traceback = ""


def _field(name: str, widget: widgets.Widget, **kwargs) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=widget, **kwargs)


class PartnerResource(SpreadsheetColumnsMixin, resources.ModelResource):
    """Partners as rows: the columns of the staff spreadsheet, plus the status on export."""

    column_labels = COLUMN_LABELS
    header_aliases = HEADER_ALIASES
    required_columns = REQUIRED_COLUMNS

    legal_name = _field("legal_name", TextWidget())
    display_name = _field("display_name", TextWidget())
    kind = _field("kind", ChoiceWidget(Partner.Kind, KIND_ALIASES))
    country = _field("country", CountryWidget())
    tax_id = _field("tax_id", TaxIdWidget())
    email = _field("email", TextWidget())
    phone = _field("phone", PhoneWidget())
    city = _field("city", TextWidget())
    default_currency = _field("default_currency", CurrencyWidget(), saves_null_values=False)
    commission_rate = _field("commission_rate", LocalizedDecimalWidget())
    joined_on = _field("joined_on", DayFirstDateWidget())
    status = _field("status", ChoiceWidget(Partner.Status), readonly=True)

    class Meta:
        model = Partner
        fields = tuple(COLUMN_LABELS)
        import_id_fields = ("country", "tax_id")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        name = gettext_lazy("Partners")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._actor = None
        self._file_headers: dict[str, str] = {}
        self._first_row_by_identity: dict[tuple[str, str], tuple[int, str]] = {}

    # Columns and labels.

    def column_label(self, name: str) -> str:
        """Return the header the file used for ``name``, else its translated label."""
        if name in self._file_headers:
            return self._file_headers[name]
        label = COLUMN_LABELS.get(name)
        if label is None:
            return str(Partner._meta.get_field(name).verbose_name)
        return str(label)

    def get_export_headers(self, selected_fields=None):
        return [
            str(COLUMN_LABELS[field.column_name])
            for field in self.get_export_fields(selected_fields)
        ]

    def get_import_fields(self):
        return [field for field in super().get_import_fields() if not field.readonly]

    def get_user_visible_fields(self):
        # The admin lists these column names on the import page.
        visible = []
        for field in self.get_import_fields():
            shown = fields.Field(
                attribute=field.attribute, column_name=str(COLUMN_LABELS[field.column_name])
            )
            visible.append(shown)
        return visible

    def dehydrate_tax_id(self, partner: Partner) -> str:
        return partner.formatted_tax_id

    def get_error_result_class(self):
        return FileErrorResult

    # Import.

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Import inside one transaction that rolls back when any row is invalid."""
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        result = super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)
        # Rows are matched to these headers by field name, but staff read the labels.
        result.diff_headers = [self.column_label(name) for name in result.diff_headers]
        return result

    def before_import(self, dataset, **kwargs):
        self._actor = kwargs.get("user")
        self._first_row_by_identity = {}
        self._file_headers = {}
        try:
            dataset.headers = self._canonical_headers(dataset.headers or [])
        except SpreadsheetFileError:
            dataset.wipe()
            raise

    def get_instance(self, instance_loader, row):
        identity = self.identity(row)
        if identity is None:
            return None
        country, tax_id = identity
        return self.get_queryset().filter(country=country, tax_id=tax_id).first()

    @staticmethod
    def identity(row) -> tuple[str, str] | None:
        """Return (country, normalised tax id) for the row, or None when either is missing."""
        country = _row_country(row)
        text = cells.cell_text(row.get("tax_id"))
        if country is None or not text:
            return None
        try:
            return country, identifiers.normalize_tax_id(text, country)
        except ValidationError:
            return country, cells.compact_tax_id(text)

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        duplicate = self._check_repeated_tax_id(row, kwargs.get("row_number"))
        if duplicate is not None:
            errors.setdefault("tax_id", []).append(duplicate)
        if errors:
            raise ValidationError(errors)

    def _check_repeated_tax_id(self, row, row_number) -> ValidationError | None:
        identity = self.identity(row)
        if identity is None:
            return None
        earlier = self._first_row_by_identity.get(identity)
        if earlier is None:
            self._first_row_by_identity[identity] = (
                row_number,
                cells.cell_text(row.get("legal_name")),
            )
            return None
        earlier_number, earlier_name = earlier
        return ValidationError(
            _("The tax id %(tax_id)s already appears in row %(row)s (%(name)s).")
            % {
                "tax_id": cells.cell_text(row.get("tax_id")),
                "row": earlier_number,
                "name": earlier_name,
            },
            code="duplicate_tax_id",
        )

    def do_instance_save(self, instance, is_create):
        """Save through the partner services, so a new partner publishes ``partner.created``."""
        values = {
            field.attribute: getattr(instance, field.attribute)
            for field in self.get_import_fields()
        }
        if is_create:
            created = services.create_partner(actor=self._actor, **values)
            for model_field in Partner._meta.concrete_fields:
                setattr(instance, model_field.attname, getattr(created, model_field.attname))
            instance._state.adding = False
            instance._state.db = created._state.db
        else:
            updated = services.update_partner(partner=instance, actor=self._actor, data=values)
            instance.updated_at = updated.updated_at

    def after_import(self, dataset, result, **kwargs):
        # ModelResource resets the id sequence here, which is only needed when a file
        # sets primary keys. This one never does, and a reset racing another insert
        # could move the PostgreSQL sequence backwards.
        if not kwargs.get("dry_run"):
            logger.info(
                "partner import %s by %s: %s",
                kwargs.get("file_name") or "-",
                getattr(self._actor, "pk", None),
                {kind: count for kind, count in result.totals.items() if count},
            )
