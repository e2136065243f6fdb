"""The partner spreadsheet resource, used directly as a management command would."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from hexabuilders.models import OutboxEvent
from partners.imports.formats import SpreadsheetCSV, SpreadsheetXLSX
from partners.imports.resources import PartnerResource
from partners.models import Partner
from tests.factories import PartnerFactory
from tests.fixtures.partner_spreadsheets import (
    MIXED,
    VALID,
    comma_variant,
    cp1252_variant,
    english_variant,
    fixture_bytes,
    fixture_rows,
    import_csv,
    import_xlsx,
    invalid_rows_by_number,
    write_csv,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

TAX_ID_COLUMN = "NIT / ID tributario"


@pytest.fixture(autouse=True)
def _english():
    # The English msgids are asserted here; Spanish output is tested separately.
    with translation.override("en"):
        yield


# The valid file.


def test_valid_file_imports_every_row():
    result = import_csv(fixture_bytes(VALID))

    assert not result.has_validation_errors()
    assert not result.has_errors()
    assert result.totals["new"] == 9
    assert Partner.objects.count() == 9


def test_valid_file_normalises_tax_id_and_phone():
    import_csv(fixture_bytes(VALID))

    bancolombia = Partner.objects.get(legal_name="Bancolombia S.A.")
    assert bancolombia.tax_id == "8909039388"
    assert bancolombia.phone == "+576045109000"


def test_valid_file_reads_decimal_comma_and_date():
    import_csv(fixture_bytes(VALID))

    exito = Partner.objects.get(display_name="Éxito")
    assert exito.commission_rate == Decimal("10.25")
    assert exito.joined_on == dt.date(2024, 2, 28)


def test_valid_file_maps_spanish_kind_city_and_currency():
    import_csv(fixture_bytes(VALID))

    laura = Partner.objects.get(display_name="Lau Viaja")
    assert laura.kind == Partner.Kind.INFLUENCER
    assert laura.city == "Cali"
    assert laura.default_currency == "COP"


def test_valid_file_reads_country_written_as_name():
    import_csv(fixture_bytes(VALID))

    avianca = Partner.objects.get(display_name="Avianca")
    assert avianca.country.code == "CO"
    assert avianca.default_currency == "USD"


def test_valid_file_reads_chilean_rut_and_phone():
    import_csv(fixture_bytes(VALID))

    chile = Partner.objects.get(display_name="MG")
    assert chile.tax_id == "760864285"
    assert chile.phone == "+56225550100"


def test_import_creates_partners_in_applicant_status():
    import_csv(fixture_bytes(VALID))

    assert set(Partner.objects.values_list("status", flat=True)) == {Partner.Status.APPLICANT}


def test_import_publishes_partner_created_for_each_new_partner():
    import_csv(fixture_bytes(VALID))

    events = OutboxEvent.objects.filter(type="partner.created")
    assert events.count() == 9
    partner_ids = {str(pk) for pk in Partner.objects.values_list("pk", flat=True)}
    assert set(events.values_list("aggregate_id", flat=True)) == partner_ids


def test_import_records_actor_in_created_event(staff_user):
    import_csv(fixture_bytes(VALID), user=staff_user)

    event = OutboxEvent.objects.filter(type="partner.created").first()
    assert event.payload["actor_id"] == staff_user.pk


def test_dry_run_writes_nothing():
    result = import_csv(fixture_bytes(VALID), dry_run=True)

    assert result.totals["new"] == 9
    assert Partner.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


# The mixed file: four bad rows, and nothing may be written.


def test_mixed_file_writes_nothing():
    result = import_csv(fixture_bytes(MIXED))

    assert result.has_validation_errors()
    assert Partner.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_mixed_file_reports_exactly_the_four_bad_rows():
    result = import_csv(fixture_bytes(MIXED))

    assert sorted(invalid_rows_by_number(result)) == [5, 6, 7, 8]


def test_mixed_file_reports_wrong_nit_check_digit():
    errors = invalid_rows_by_number(import_csv(fixture_bytes(MIXED)))[5]

    assert errors[TAX_ID_COLUMN] == ["900.555.111-0 is not a valid NIT for CO."]


def test_mixed_file_reports_all_errors_of_row():
    errors = invalid_rows_by_number(import_csv(fixture_bytes(MIXED)))[6]

    assert errors[TAX_ID_COLUMN] == ["This field cannot be blank."]
    assert errors["Correo"] == ["Enter a valid email address."]
    assert errors["Teléfono"] == ["+57 300 is not a valid phone number."]
    assert errors["Comisión (%)"] == ["abc is not a number."]
    assert errors["Fecha de alta"] == ["32/13/2024 is not a valid date; write it as dd/mm/yyyy."]


def test_mixed_file_reports_repeated_tax_id():
    errors = invalid_rows_by_number(import_csv(fixture_bytes(MIXED)))[7]

    assert errors[TAX_ID_COLUMN] == [
        "The tax id 899999068-1 already appears in row 2 (Ecopetrol S.A.)."
    ]


def test_mixed_file_reports_unknown_country():
    errors = invalid_rows_by_number(import_csv(fixture_bytes(MIXED)))[8]

    assert errors["País"] == [
        "ZZ is not a known country; use an ISO code such as CO or the country's name."
    ]
    assert errors[TAX_ID_COLUMN] == ["The tax id cannot be checked until the country is valid."]


def test_mixed_file_leaves_existing_partner_unchanged():
    existing = PartnerFactory(
        legal_name="Bancolombia S.A.", tax_id="8909039388", commission_rate=Decimal("1")
    )

    import_csv(fixture_bytes(MIXED))

    existing.refresh_from_db()
    assert existing.commission_rate == Decimal("1.00")
    assert Partner.objects.count() == 1


# Other encodings, delimiters and headers.


def test_windows_1252_file_imports():
    result = import_csv(cp1252_variant(VALID))

    assert result.totals["new"] == 9
    assert Partner.objects.filter(legal_name="Aerovías del Continente Americano S.A.").exists()


def test_windows_1252_mixed_file_reports_same_rows():
    result = import_csv(cp1252_variant(MIXED))

    assert sorted(invalid_rows_by_number(result)) == [5, 6, 7, 8]
    assert Partner.objects.count() == 0


def test_comma_delimited_file_imports():
    result = import_csv(comma_variant(VALID))

    assert result.totals["new"] == 9
    assert Partner.objects.get(display_name="Éxito").commission_rate == Decimal("10.25")


def test_comma_delimited_mixed_file_keeps_semicolon_inside_quotes():
    result = import_csv(comma_variant(MIXED))

    values = {row.number: list(row.values) for row in result.invalid_rows}
    assert values[8][0] == "Servicios Digitales; Consultoría y Más S.A.S."


def test_semicolon_file_keeps_quoted_field_with_semicolon():
    result = import_csv(fixture_bytes(MIXED))

    values = {row.number: list(row.values) for row in result.invalid_rows}
    assert values[8][0] == "Servicios Digitales; Consultoría y Más S.A.S."


def test_tab_delimited_utf8_file_without_mark_imports():
    data = write_csv(fixture_rows(VALID), delimiter="\t", encoding="utf-8")

    assert import_csv(data).totals["new"] == 9


def test_english_headers_import():
    result = import_csv(english_variant(VALID))

    assert result.totals["new"] == 9
    assert Partner.objects.get(display_name="ETB").tax_id == "8999991158"


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("Afiliado", Partner.Kind.AFFILIATE),
        ("Affiliate", Partner.Kind.AFFILIATE),
        ("influenciador", Partner.Kind.INFLUENCER),
        ("Influencer", Partner.Kind.INFLUENCER),
        ("REVENDEDOR", Partner.Kind.RESELLER),
        ("Reseller", Partner.Kind.RESELLER),
        ("Agencia", Partner.Kind.AGENCY),
        ("agency", Partner.Kind.AGENCY),
    ],
)
def test_kind_accepts_spanish_and_english(typed, kind):
    rows = fixture_rows(VALID)[:2]
    rows[1][2] = typed

    import_csv(write_csv(rows))

    assert Partner.objects.get().kind == kind


def test_unknown_kind_is_reported():
    rows = fixture_rows(VALID)[:2]
    rows[1][2] = "Socio"

    result = import_csv(write_csv(rows))

    assert invalid_rows_by_number(result)[1]["Tipo"] == [
        "Socio is not one of the accepted values: Affiliate, Influencer, Reseller, Agency."
    ]


def test_join_date_in_year_9999_is_reported():
    rows = fixture_rows(VALID)[:2]
    rows[1][10] = "31/12/9999"

    result = import_csv(write_csv(rows))

    assert list(invalid_rows_by_number(result)[1]) == ["Fecha de alta"]
    assert Partner.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "code", "tax_id"),
    [
        ("CO", "CO", "890.903.938-8"),
        ("col", "CO", "890.903.938-8"),
        ("Colombia", "CO", "890.903.938-8"),
        ("España", "ES", "B12345674"),
        ("Spain", "ES", "B12345674"),
    ],
)
def test_country_accepts_codes_and_names(typed, code, tax_id):
    rows = [
        fixture_rows(VALID)[0],
        ["Acme", "", "Agencia", typed, tax_id, "", "", "", "EUR", "", ""],
    ]

    import_csv(write_csv(rows))

    assert Partner.objects.get().country.code == code


def test_missing_required_column_is_reported_without_writing():
    rows = [[cell for index, cell in enumerate(row) if index != 4] for row in fixture_rows(VALID)]

    result = import_csv(write_csv(rows))

    assert [error.error.args[0] for error in result.base_errors] == [
        "The file has no column for: Tax id. The first row must hold the headers."
    ]
    assert Partner.objects.count() == 0


def test_blank_lines_are_skipped():
    rows = fixture_rows(VALID)
    rows.insert(3, [""] * 11)

    result = import_csv(write_csv(rows))

    assert not result.has_validation_errors()
    assert Partner.objects.count() == 9


# Importing again: the same partners are updated, never duplicated.


def test_importing_same_file_again_creates_no_duplicates():
    import_csv(fixture_bytes(VALID))

    result = import_csv(fixture_bytes(VALID))

    assert result.totals["new"] == 0
    assert result.totals["skip"] == 9
    assert Partner.objects.count() == 9


def test_importing_same_file_again_publishes_no_more_events():
    import_csv(fixture_bytes(VALID))

    import_csv(fixture_bytes(VALID))

    assert OutboxEvent.objects.filter(type="partner.created").count() == 9


def test_import_updates_changed_row():
    import_csv(fixture_bytes(VALID))
    rows = fixture_rows(VALID)
    rows[1][9] = "13,75"

    result = import_csv(write_csv(rows))

    assert result.totals["update"] == 1
    assert Partner.objects.get(display_name="Bancolombia").commission_rate == Decimal("13.75")


def test_import_matches_tax_id_typed_differently():
    existing = PartnerFactory(legal_name="Bancolombia S.A.", tax_id="8909039388", city="Bogotá")
    rows = fixture_rows(VALID)[:2]
    rows[1][4] = "890 903 938 8"

    result = import_csv(write_csv(rows))

    assert result.totals["update"] == 1
    existing.refresh_from_db()
    assert existing.city == "Medellín"
    assert Partner.objects.count() == 1


def test_import_keeps_status_of_existing_partner():
    existing = PartnerFactory(tax_id="8909039388", status=Partner.Status.ACTIVE)

    import_csv(write_csv(fixture_rows(VALID)[:2]))

    existing.refresh_from_db()
    assert existing.status == Partner.Status.ACTIVE


def test_blank_currency_keeps_default():
    rows = fixture_rows(VALID)[:2]
    rows[1][8] = ""

    import_csv(write_csv(rows))

    assert Partner.objects.get().default_currency == "COP"


# XLSX.


def test_xlsx_with_typed_cells_imports():
    rows = [
        fixture_rows(VALID)[0],
        [
            "Bancolombia S.A.",
            "Bancolombia",
            "Revendedor",
            "CO",
            8909039388,
            "alianzas@bancolombia.example",
            6045109000,
            "Medellín",
            "COP",
            12.5,
            dt.datetime(2024, 1, 15),
        ],
    ]

    result = import_xlsx(xlsx_bytes(rows))

    assert result.totals["new"] == 1
    partner = Partner.objects.get()
    assert partner.tax_id == "8909039388"
    assert partner.phone == "+576045109000"
    assert partner.commission_rate == Decimal("12.50")
    assert partner.joined_on == dt.date(2024, 1, 15)


def test_xlsx_mixed_rows_report_errors():
    rows = fixture_rows(MIXED)

    result = import_xlsx(xlsx_bytes(rows))

    assert sorted(invalid_rows_by_number(result)) == [5, 6, 7, 8]
    assert Partner.objects.count() == 0


# Export, and importing the export back.


def _export(file_format, language: str) -> bytes:
    with translation.override(language):
        dataset = PartnerResource().export(
            Partner.objects.all(), force_native_type=file_format is SpreadsheetXLSX
        )
        return file_format().export_data(dataset)


@pytest.mark.parametrize("language", ["es", "en"])
def test_csv_export_imports_back_without_changes(language):
    import_csv(fixture_bytes(VALID))
    exported = _export(SpreadsheetCSV, language)

    with translation.override(language):
        result = import_csv(exported)

    assert not result.has_validation_errors()
    assert result.totals["skip"] == 9
    assert result.totals["update"] == 0


@pytest.mark.parametrize("language", ["es", "en"])
def test_xlsx_export_imports_back_without_changes(language):
    import_csv(fixture_bytes(VALID))
    exported = _export(SpreadsheetXLSX, language)

    with translation.override(language):
        result = import_xlsx(exported)

    assert not result.has_validation_errors()
    assert result.totals["skip"] == 9


def test_spanish_csv_export_uses_semicolons_and_decimal_comma():
    import_csv(write_csv(fixture_rows(VALID)[:2]))

    text = _export(SpreadsheetCSV, "es").decode("utf-8-sig")

    cells = text.splitlines()[1].split(";")
    assert cells[4] == "890.903.938-8"
    assert cells[6] == "'+576045109000"
    assert cells[9] == "12,5"
    assert cells[10] == "15/01/2024"


def test_english_csv_export_uses_commas_and_iso_dates():
    import_csv(write_csv(fixture_rows(VALID)[:2]))

    text = _export(SpreadsheetCSV, "en").decode("utf-8-sig")

    assert text.splitlines()[0] == (
        "Legal name,Display name,Kind,Country,Tax id,E-mail,Phone,City,Currency,"
        "Commission (%),Joined on,Status"
    )
    assert text.splitlines()[1].endswith(",12.5,2024-01-15,Applicant")


def test_csv_export_starts_with_byte_order_mark():
    PartnerFactory()

    assert _export(SpreadsheetCSV, "es").startswith(b"\xef\xbb\xbf")


def test_csv_export_neutralises_formula_and_import_restores_it():
    partner = PartnerFactory(display_name='=HYPERLINK("http://example.com")')
    exported = _export(SpreadsheetCSV, "en")

    assert b"\"'=HYPERLINK" in exported
    import_csv(exported)
    partner.refresh_from_db()
    assert partner.display_name == '=HYPERLINK("http://example.com")'


def test_xlsx_export_stores_formula_text_as_text():
    PartnerFactory(display_name="=1+1")
    exported = _export(SpreadsheetXLSX, "en")

    dataset = SpreadsheetXLSX().create_dataset(exported)

    assert dataset[0][1] == "'=1+1"
