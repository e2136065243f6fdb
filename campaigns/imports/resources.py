"""The ad-platform report: one row per campaign, day and source with impressions and cost.

Staff export daily reports from Google Ads, Meta and similar platforms and import
them here, with Spanish or English headers and decimal commas or points. Files are
XLSX or CSV. A CSV file may be UTF-8, UTF-8 with a byte order mark or Windows-1252,
separated by semicolons, commas or tabs.
A row is identified by (campaign, day, source), so importing a corrected report
again updates the rows it created. An import is all or nothing: when any row is
invalid, every bad row is reported and nothing is written.
"""

from __future__ import annotations

import logging
import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from campaigns import fx, live
from campaigns.models import AdSpend, Campaign
from partners.imports import cells
from partners.imports.columns import SpreadsheetColumnsMixin
from partners.imports.formats import SpreadsheetCSV, SpreadsheetFileError, SpreadsheetXLSX
from partners.imports.resources import (
    CurrencyWidget,
    DayFirstDateWidget,
    FileErrorResult,
    LocalizedDecimalWidget,
)
from partners.models import validate_currency

logger = logging.getLogger(__name__)

AD_SPEND_FORMATS = [SpreadsheetCSV, SpreadsheetXLSX]

# The source of rows whose file has no source column.
DEFAULT_SOURCE = "report"

COLUMN_LABELS = {
    "day": gettext_lazy("Date"),
    "campaign": gettext_lazy("Campaign"),
    "source": gettext_lazy("Source"),
    "impressions": gettext_lazy("Impressions"),
    "clicks": gettext_lazy("Clicks"),
    "cost": gettext_lazy("Cost"),
    "currency": gettext_lazy("Currency"),
}

# Headers of the reports ad platforms export, compared after ``cells.fold``.
HEADER_ALIASES = {
    "day": ("Fecha", "Día", "Dia", "Date", "Day", "Reporting starts", "Inicio del informe"),
    "campaign": (
        "Campaña",
        "Nombre de la campaña",
        "ID de campaña",
        "Campaign",
        "Campaign name",
        "Campaign ID",
    ),
    "source": ("Fuente", "Plataforma", "Red", "Source", "Platform", "Network"),
    "impressions": ("Impresiones", "Impr.", "Impressions", "Impr"),
    "clicks": ("Clics", "Clicks", "Clics en el enlace", "Link clicks"),
    "cost": (
        "Costo",
        "Coste",
        "Gasto",
        "Importe gastado",
        "Cost",
        "Spend",
        "Amount spent",
    ),
    "currency": ("Moneda", "Divisa", "Currency", "Currency code", "Código de moneda"),
}

REQUIRED_COLUMNS = ("day", "campaign", "impressions", "cost")

_GROUPED_COUNT = re.compile(r"\d{1,3}(?:[.,\s]\d{3})+")


class CountWidget(widgets.Widget):
    """A whole non-negative number such as ``12345``, ``12.345`` or ``12,345``; blank is 0."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = Decimal(str(value))
        else:
            text = cells.cell_text(value).replace("\u202f", " ")
            if not text:
                return 0
            if text.isdigit():
                number = Decimal(text)
            elif _GROUPED_COUNT.fullmatch(text):
                number = Decimal(re.sub(r"[.,\s]", "", text))
            else:
                raise ValueError(_("%(value)s is not a whole number.") % {"value": text})
        if number != number.to_integral_value() or number < 0:
            raise ValueError(
                _("%(value)s is not a whole number of zero or more.") % {"value": value}
            )
        return int(number)


class CostWidget(LocalizedDecimalWidget):
    """A non-negative amount with a decimal comma or point, rounded to 2 decimal places."""

    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row=row, **kwargs)
        if number is None:
            return Decimal("0")
        if number < 0:
            raise ValueError(_("%(value)s is negative; costs are zero or more.") % {"value": value})
        return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def find_campaign(value) -> Campaign:
    """Return the campaign a cell names by id or by its exact name, ignoring case."""
    text = cells.cell_text(value)
    if not text:
        raise ValueError(_("The campaign is missing."))
    if text.isdigit():
        campaign = Campaign.objects.filter(pk=int(text)).first()
        if campaign is not None:
            return campaign
    matches = list(Campaign.objects.filter(name__iexact=text)[:2])
    if not matches:
        raise ValueError(
            _("No campaign has the id or name %(value)s.") % {"value": text},
        )
    if len(matches) > 1:
        raise ValueError(
            _("Several campaigns are named %(value)s; use the campaign's id instead.")
            % {"value": text}
        )
    return matches[0]


class CampaignWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return find_campaign(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value.pk)


class SourceWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return cells.cell_text(value).lower() or DEFAULT_SOURCE


def _field(name: str, widget: widgets.Widget, **kwargs) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=widget, **kwargs)


class AdSpendResource(SpreadsheetColumnsMixin, resources.ModelResource):
    """Ad spend as report rows; saving a row creates or updates its (campaign, day, source)."""

    column_labels = COLUMN_LABELS
    header_aliases = HEADER_ALIASES
    required_columns = REQUIRED_COLUMNS

    day = _field("day", DayFirstDateWidget())
    campaign = _field("campaign", CampaignWidget())
    source = _field("source", SourceWidget())
    impressions = _field("impressions", CountWidget())
    clicks = _field("clicks", CountWidget())
    cost = _field("cost", CostWidget())
    currency = _field("currency", CurrencyWidget())

    class Meta:
        model = AdSpend
        fields = tuple(COLUMN_LABELS)
        import_id_fields = ("campaign", "day", "source")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        name = gettext_lazy("Ad-platform report")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._file_headers: dict[str, str] = {}
        self._first_row_by_identity: dict[tuple, int] = {}
        self._campaign_ids: set[int] = set()

    def column_label(self, name: str) -> str:
        """Return the header the file used for ``name``, else its translated label."""
        if name in self._file_headers:
            return self._file_headers[name]
        label = COLUMN_LABELS.get(name)
        return str(label) if label is not None else name

    def get_export_headers(self, selected_fields=None):
        return [
            str(COLUMN_LABELS[field.column_name])
            for field in self.get_export_fields(selected_fields)
        ]

    def get_user_visible_fields(self):
        return [
            fields.Field(attribute=field.attribute, column_name=str(COLUMN_LABELS[field.attribute]))
            for field in self.get_import_fields()
        ]

    def get_error_result_class(self):
        return FileErrorResult

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Import inside one transaction that rolls back when any row is invalid."""
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        result = super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)
        result.diff_headers = [self.column_label(name) for name in result.diff_headers]
        return result

    def before_import(self, dataset, **kwargs):
        self._file_headers = {}
        self._first_row_by_identity = {}
        self._campaign_ids = set()
        try:
            dataset.headers = self._canonical_headers(dataset.headers or [])
        except SpreadsheetFileError:
            dataset.wipe()
            raise
        # Most reports cover one platform and one currency and have no column for them;
        # a blank column takes the default source and the campaign's currency.
        for optional in ("source", "currency", "clicks"):
            if optional not in dataset.headers:
                dataset.append_col([""] * len(dataset), header=optional)

    @staticmethod
    def identity(row) -> tuple[int, object, str] | None:
        """Return (campaign id, day, source) for the row, or None when a part is unreadable."""
        try:
            campaign = find_campaign(row.get("campaign"))
            day = cells.parse_date(row.get("day"))
        except ValueError:
            return None
        if day is None:
            return None
        source = cells.cell_text(row.get("source")).lower() or DEFAULT_SOURCE
        return campaign.pk, day, source

    def get_instance(self, instance_loader, row):
        identity = self.identity(row)
        if identity is None:
            return None
        campaign_id, day, source = identity
        return AdSpend.objects.filter(campaign_id=campaign_id, day=day, source=source).first()

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "currency" not in errors and instance.campaign_id is not None:
            self._check_currency(instance, errors)
        repeated = self._check_repeated(row, kwargs.get("row_number"))
        if repeated is not None:
            errors.setdefault("day", []).append(repeated)
        if errors:
            raise ValidationError(errors)

    def _check_currency(self, instance: AdSpend, errors: dict) -> None:
        campaign = instance.campaign
        instance.currency = instance.currency or campaign.currency
        try:
            validate_currency(instance.currency)
        except ValidationError as exc:
            errors.setdefault("currency", []).extend(exc.messages)
            return
        if instance.day is None or instance.currency == campaign.currency:
            return
        if fx.rate_on(base=instance.currency, quote=campaign.currency, day=instance.day) is None:
            errors.setdefault("currency", []).append(
                _(
                    "No exchange rate from %(currency)s to %(campaign_currency)s on or before "
                    "%(day)s; add one under exchange rates first."
                )
                % {
                    "currency": instance.currency,
                    "campaign_currency": campaign.currency,
                    "day": instance.day.isoformat(),
                }
            )

    def _check_repeated(self, row, row_number) -> str | None:
        identity = self.identity(row)
        if identity is None:
            return None
        earlier = self._first_row_by_identity.setdefault(identity, row_number)
        if earlier == row_number:
            return None
        return _("Row %(row)s already has this campaign, day and source.") % {"row": earlier}

    def after_save_instance(self, instance, row, **kwargs):
        self._campaign_ids.add(instance.campaign_id)

    def after_import(self, dataset, result, **kwargs):
        # ModelResource resets the id sequence here, which only files that set primary
        # keys need; a reset racing another insert could move the sequence backwards.
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        changed = sorted(self._campaign_ids)
        if changed:
            transaction.on_commit(lambda: live.campaigns_changed(changed))
        logger.info(
            "ad spend import %s: %s",
            kwargs.get("file_name") or "-",
            {kind: count for kind, count in result.totals.items() if count},
        )
