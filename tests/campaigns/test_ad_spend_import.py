"""Ad-platform report import: the resource on its own and through the admin."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from campaigns import services
from campaigns.imports.resources import AdSpendResource
from campaigns.models import AdSpend, ExchangeRate
from partners.imports.formats import SpreadsheetCSV, SpreadsheetXLSX

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:campaigns_adspend_import")
PROCESS_IMPORT = reverse("admin:campaigns_adspend_process_import")
SPANISH_HEADER = ["Fecha", "Campaña", "Impresiones", "Clics", "Costo", "Moneda"]
ENGLISH_HEADER = ["Date", "Campaign", "Impressions", "Clicks", "Cost", "Currency"]


@pytest.fixture
def campaign():
    return services.create_campaign(
        actor=None,
        name="Temporada de vuelos",
        kind="cpa",
        currency="COP",
        landing_url="https://shop.example.com/vuelos",
    )


def csv_bytes(rows, *, delimiter=";", encoding="utf-8-sig") -> bytes:
    stream = io.StringIO()
    csv.writer(stream, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return stream.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def run_import(data: bytes, *, file_format=SpreadsheetCSV, dry_run=False):
    dataset = file_format().create_dataset(data)
    return AdSpendResource().import_data(dataset, dry_run=dry_run)


def spanish_report(campaign) -> list[list]:
    return [
        SPANISH_HEADER,
        ["01/11/2026", "Temporada de vuelos", "12.345", "410", "1.234.567,89", "COP"],
        ["02/11/2026", str(campaign.pk), "9876", "300", "987,5", ""],
    ]


def test_import_reads_spanish_report(campaign):
    run_import(csv_bytes(spanish_report(campaign)))

    first = AdSpend.objects.get(campaign=campaign, day=dt.date(2026, 11, 1))
    assert first.impressions == 12345
    assert first.clicks == 410
    assert first.cost == Decimal("1234567.89")


def test_import_finds_campaign_by_id(campaign):
    run_import(csv_bytes(spanish_report(campaign)))

    second = AdSpend.objects.get(campaign=campaign, day=dt.date(2026, 11, 2))
    assert second.cost == Decimal("987.50")


def test_import_defaults_currency_to_campaigns(campaign):
    run_import(csv_bytes(spanish_report(campaign)))

    assert AdSpend.objects.get(day=dt.date(2026, 11, 2)).currency == "COP"


def test_import_reads_english_comma_separated_report(campaign):
    rows = [ENGLISH_HEADER, ["2026-11-01", "temporada de vuelos", "1,200", "30", "45.10", "COP"]]

    run_import(csv_bytes(rows, delimiter=",", encoding="utf-8"))

    spend = AdSpend.objects.get(campaign=campaign)
    assert spend.impressions == 1200
    assert spend.cost == Decimal("45.10")


def test_import_reads_cp1252_tab_separated_report(campaign):
    rows = [["Día", "Campaña", "Impresiones", "Coste"], ["01/11/2026", campaign.name, "5", "1,5"]]

    run_import(csv_bytes(rows, delimiter="\t", encoding="cp1252"))

    assert AdSpend.objects.get(campaign=campaign).cost == Decimal("1.50")


def test_import_reads_xlsx_numbers_and_dates(campaign):
    rows = [ENGLISH_HEADER, [dt.datetime(2026, 11, 3), campaign.pk, 700, 21, 99.5, "COP"]]

    run_import(xlsx_bytes(rows), file_format=SpreadsheetXLSX)

    spend = AdSpend.objects.get(campaign=campaign)
    assert spend.day == dt.date(2026, 11, 3)
    assert spend.cost == Decimal("99.50")


def test_reimport_updates_same_day_and_source(campaign):
    run_import(csv_bytes(spanish_report(campaign)))
    corrected = spanish_report(campaign)
    corrected[1][4] = "2.000.000,00"

    result = run_import(csv_bytes(corrected))

    assert AdSpend.objects.count() == 2
    assert result.totals["update"] == 1
    assert AdSpend.objects.get(day=dt.date(2026, 11, 1)).cost == Decimal("2000000.00")


def test_import_keeps_sources_apart(campaign):
    rows = [
        [*ENGLISH_HEADER, "Source"],
        ["2026-11-01", campaign.pk, "10", "1", "5", "COP", "Google"],
        ["2026-11-01", campaign.pk, "20", "2", "6", "COP", "Meta"],
    ]

    run_import(csv_bytes(rows))

    assert sorted(AdSpend.objects.values_list("source", flat=True)) == ["google", "meta"]


def test_dry_run_writes_nothing(campaign):
    result = run_import(csv_bytes(spanish_report(campaign)), dry_run=True)

    assert result.totals["new"] == 2
    assert not AdSpend.objects.exists()


@pytest.mark.parametrize(
    ("cell_index", "value", "column"),
    [
        (0, "31/02/2026", "Fecha"),
        (1, "Campaña inexistente", "Campaña"),
        (2, "12,5", "Impresiones"),
        (4, "-3", "Costo"),
        (5, "PESOS", "Moneda"),
    ],
)
def test_import_reports_invalid_cell_and_writes_nothing(campaign, cell_index, value, column):
    rows = spanish_report(campaign)
    rows[2][cell_index] = value

    result = run_import(csv_bytes(rows))

    invalid = result.invalid_rows
    assert len(invalid) == 1
    assert column in invalid[0].error_dict
    assert not AdSpend.objects.exists()


def test_import_rejects_repeated_row(campaign):
    rows = spanish_report(campaign)
    rows.append(list(rows[1]))

    result = run_import(csv_bytes(rows))

    assert len(result.invalid_rows) == 1
    assert not AdSpend.objects.exists()


def test_import_rejects_foreign_currency_without_rate(campaign):
    rows = [ENGLISH_HEADER, ["2026-11-01", campaign.pk, "10", "1", "5", "USD"]]

    result = run_import(csv_bytes(rows))

    assert "Currency" in result.invalid_rows[0].error_dict
    assert not AdSpend.objects.exists()


def test_import_accepts_foreign_currency_with_rate(campaign):
    ExchangeRate.objects.create(
        base="USD", quote="COP", rate=Decimal("4000"), valid_on=dt.date(2026, 10, 1)
    )
    rows = [ENGLISH_HEADER, ["2026-11-01", campaign.pk, "10", "1", "5", "USD"]]

    run_import(csv_bytes(rows))

    assert AdSpend.objects.get(campaign=campaign).currency == "USD"


def test_import_rejects_file_without_cost_column(campaign):
    rows = [["Fecha", "Campaña", "Impresiones"], ["01/11/2026", campaign.pk, "5"]]

    result = run_import(csv_bytes(rows))

    assert result.has_errors()
    assert not AdSpend.objects.exists()


# Through the admin: upload, preview, confirm.


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def upload(client, data: bytes, name="report.csv", file_format="0"):
    return client.post(
        IMPORT,
        {"format": file_format, "resource": "0", "import_file": SimpleUploadedFile(name, data)},
    )


def test_admin_preview_saves_nothing(staff_client, campaign):
    response = upload(staff_client, csv_bytes(spanish_report(campaign)))

    assert response.context["result"].totals["new"] == 2
    assert not AdSpend.objects.exists()


def test_admin_confirm_imports_rows(staff_client, campaign):
    preview = upload(staff_client, csv_bytes(spanish_report(campaign)))
    form = preview.context["confirm_form"]

    staff_client.post(PROCESS_IMPORT, dict(form.initial), follow=True)

    assert AdSpend.objects.count() == 2


def test_admin_preview_shows_row_errors_without_confirm(staff_client, campaign):
    rows = spanish_report(campaign)
    rows[1][2] = "muchas"

    response = upload(staff_client, csv_bytes(rows))

    assert response.context["result"].has_validation_errors()
    assert response.context.get("confirm_form") is None
    assert "muchas is not a whole number." in response.content.decode()


def test_admin_lists_ad_spend(staff_client, campaign):
    AdSpend.objects.create(
        campaign=campaign, day=dt.date(2026, 11, 1), source="google", cost="5", currency="COP"
    )

    response = staff_client.get(reverse("admin:campaigns_adspend_changelist"))

    assert response.status_code == 200


def test_export_roundtrips_through_import(campaign):
    run_import(csv_bytes(spanish_report(campaign)))
    with translation.override("es"):
        exported = SpreadsheetCSV().export_data(AdSpendResource().export())
    AdSpend.objects.update(cost=Decimal("0"))

    with translation.override("es"):
        result = run_import(exported)

    assert result.totals["update"] == 2
    assert AdSpend.objects.get(day=dt.date(2026, 11, 1)).cost == Decimal("1234567.89")
