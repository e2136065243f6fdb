"""Import and export through the partner admin, as staff use them: upload, preview, confirm."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hexabuilders.models import OutboxEvent
from partners.imports.resources import PartnerResource
from partners.models import Partner
from tests.fixtures.partner_spreadsheets import (
    MIXED,
    VALID,
    comma_variant,
    cp1252_variant,
    fixture_bytes,
    fixture_rows,
    write_csv,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:partners_partner_import")
PROCESS_IMPORT = reverse("admin:partners_partner_process_import")
EXPORT = reverse("admin:partners_partner_export")
CSV_FORMAT = "0"
XLSX_FORMAT = "1"


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def in_language(client, language: str):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def upload(client, data: bytes, *, name: str = "partners.csv", file_format: str = CSV_FORMAT):
    """Post the first import step: the file is read and previewed, nothing is saved."""
    return client.post(
        IMPORT,
        {"format": file_format, "resource": "0", "import_file": SimpleUploadedFile(name, data)},
    )


def confirm(client, preview_response):
    """Post the second step with the hidden fields of the preview's confirmation form."""
    form = preview_response.context["confirm_form"]
    return client.post(PROCESS_IMPORT, dict(form.initial), follow=True)


def import_through_admin(client, data: bytes, **kwargs):
    preview = upload(client, data, **kwargs)
    return confirm(client, preview)


def export(client, file_format: str) -> bytes:
    fields = {f"partnerresource_{name}": "on" for name in PartnerResource().get_export_order()}
    response = client.post(EXPORT, {"format": file_format, "resource": "0", **fields})
    assert response.status_code == 200
    return response.content


# The valid file, in two steps.


def test_upload_previews_valid_file_without_saving(staff_client):
    response = upload(in_language(staff_client, "en"), fixture_bytes(VALID))

    assert response.context["confirm_form"] is not None
    assert response.context["result"].totals["new"] == 9
    assert Partner.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_confirm_imports_every_row(staff_client):
    response = import_through_admin(in_language(staff_client, "en"), fixture_bytes(VALID))

    assert response.status_code == 200
    assert Partner.objects.count() == 9
    assert OutboxEvent.objects.filter(type="partner.created").count() == 9


def test_confirm_reports_totals(staff_client):
    response = import_through_admin(in_language(staff_client, "en"), fixture_bytes(VALID))

    assert [str(message) for message in response.context["messages"]] == [
        "Import finished. Created: 9, updated: 0, unchanged: 0."
    ]


def test_confirm_records_staff_member_as_actor(staff_client, staff_user):
    import_through_admin(staff_client, fixture_bytes(VALID))

    actors = {event.payload["actor_id"] for event in OutboxEvent.objects.all()}
    assert actors == {staff_user.pk}


def test_confirm_logs_addition_for_each_partner(staff_client):
    import_through_admin(in_language(staff_client, "en"), fixture_bytes(VALID))

    entries = LogEntry.objects.filter(action_flag=ADDITION)
    assert entries.count() == 9
    assert entries.first().change_message == "Created by a spreadsheet import."


def test_reimport_through_admin_updates_instead_of_duplicating(staff_client):
    import_through_admin(staff_client, fixture_bytes(VALID))
    rows = fixture_rows(VALID)
    rows[1][7] = "Bogotá D.C."
    changed = "\n".join(";".join(row) for row in rows).encode("utf-8")

    preview = upload(staff_client, changed)
    confirm(staff_client, preview)

    assert preview.context["result"].totals["update"] == 1
    assert Partner.objects.count() == 9
    assert Partner.objects.get(display_name="Bancolombia").city == "Bogotá D.C."
    assert LogEntry.objects.filter(action_flag=CHANGE).count() == 1


@pytest.mark.parametrize(
    "variant", [cp1252_variant, comma_variant], ids=["windows-1252", "comma-delimited"]
)
def test_admin_imports_excel_variants(staff_client, variant):
    import_through_admin(staff_client, variant(VALID))

    assert Partner.objects.count() == 9
    assert Partner.objects.filter(legal_name="Almacenes Éxito S.A.").exists()


def test_admin_imports_xlsx(staff_client):
    import_through_admin(
        staff_client,
        xlsx_bytes(fixture_rows(VALID)),
        name="partners.xlsx",
        file_format=XLSX_FORMAT,
    )

    assert Partner.objects.count() == 9


# The mixed file: every bad row shown, no confirmation offered, nothing saved.


def test_mixed_upload_offers_no_confirmation(staff_client):
    response = upload(staff_client, fixture_bytes(MIXED))

    assert "confirm_form" not in response.context
    assert [row.number for row in response.context["result"].invalid_rows] == [5, 6, 7, 8]


@pytest.mark.parametrize(
    "message",
    [
        "900.555.111-0 is not a valid NIT for CO.",
        "abc is not a number.",
        "32/13/2024 is not a valid date; write it as dd/mm/yyyy.",
        "+57 300 is not a valid phone number.",
        "The tax id 899999068-1 already appears in row 2 (Ecopetrol S.A.).",
        "ZZ is not a known country; use an ISO code such as CO or the country&#x27;s name.",
        "The tax id cannot be checked until the country is valid.",
    ],
)
def test_mixed_upload_shows_each_reason(staff_client, message):
    response = upload(in_language(staff_client, "en"), fixture_bytes(MIXED))

    assert message in response.text


def test_mixed_upload_shows_column_headers_of_the_file(staff_client):
    response = upload(in_language(staff_client, "en"), fixture_bytes(MIXED))

    assert '<strong class="import-reason__column">NIT / ID tributario</strong>' in response.text


def test_mixed_upload_shows_reasons_without_hovering(staff_client):
    response = upload(in_language(staff_client, "en"), fixture_bytes(MIXED))

    # django-import-export hides the reasons in a box shown on hover; ours lists them.
    assert "validation-error-container" not in response.text
    assert response.text.count('<ul class="import-reasons">') == 4


def test_reimport_preview_calls_unchanged_rows_unchanged(staff_client):
    import_through_admin(staff_client, fixture_bytes(VALID))

    response = upload(in_language(staff_client, "en"), fixture_bytes(VALID))

    assert response.text.count('<td class="import-type">Unchanged</td>') == 9
    assert "Skipped" not in response.text


def test_mixed_upload_writes_nothing(staff_client):
    upload(staff_client, fixture_bytes(MIXED))

    assert Partner.objects.count() == 0
    assert OutboxEvent.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_unreadable_file_gets_translated_form_error(staff_client):
    response = upload(in_language(staff_client, "en"), b"Raz\x81n social;Tipo\n")

    assert response.context["form"].errors["import_file"] == [
        "The file is neither UTF-8 nor Windows-1252 text; save it again as CSV UTF-8."
    ]


def test_oversized_file_is_refused_before_parsing(staff_client):
    from partners import admin_forms

    data = b"x" * (admin_forms.MAX_IMPORT_FILE_BYTES + 1)
    response = upload(in_language(staff_client, "en"), data)

    assert "files of up to" in response.context["form"].errors["import_file"][0]


def test_oversized_file_writes_nothing(staff_client):
    from partners import admin_forms

    upload(staff_client, b"x" * (admin_forms.MAX_IMPORT_FILE_BYTES + 1))

    assert Partner.objects.count() == 0


def test_missing_column_is_reported_without_traceback(staff_client):
    rows = [row[:4] for row in fixture_rows(VALID)]
    data = "\n".join(";".join(row) for row in rows).encode("utf-8")

    response = upload(in_language(staff_client, "en"), data)

    assert "The file has no column for: Tax id." in response.text
    assert "Traceback" not in response.text
    assert Partner.objects.count() == 0


# Files that cannot be read as a table: each gets a plain message, never an exception name.


def test_row_with_more_cells_than_headers_is_named(staff_client):
    rows = fixture_rows(VALID)[:3]
    rows[2] = [*rows[2], "uno", "dos"]

    response = upload(in_language(staff_client, "en"), write_csv(rows))

    assert response.context["form"].errors["import_file"] == [
        "Row 2 (Ecopetrol S.A.) has 13 cells, but the header row names 11 columns. "
        "Remove the extra cells or give them a header."
    ]
    assert "InvalidDimensions" not in response.text


def test_trailing_empty_cells_beyond_headers_are_ignored(staff_client):
    rows = fixture_rows(VALID)[:3]
    rows[2] = [*rows[2], "", " "]

    import_through_admin(staff_client, write_csv(rows))

    assert Partner.objects.count() == 2


def test_text_file_uploaded_as_xlsx_is_explained(staff_client):
    response = upload(
        in_language(staff_client, "en"),
        fixture_bytes(VALID),
        name="partners.xlsx",
        file_format=XLSX_FORMAT,
    )

    errors = response.context["form"].errors["import_file"]
    assert errors[0].startswith("The file is not an Excel workbook (.xlsx).")
    assert "BadZipFile" not in response.text


def test_xlsx_uploaded_as_csv_is_explained(staff_client):
    response = upload(in_language(staff_client, "en"), xlsx_bytes(fixture_rows(VALID)))

    errors = response.context["form"].errors["import_file"]
    assert errors[0].startswith("The file is an Excel workbook, not CSV text.")


def test_xlsx_error_rows_show_empty_cells_as_empty(staff_client):
    rows = fixture_rows(VALID)[:2]
    rows[1] = [rows[1][0], None, "Socio", "CO", rows[1][4], None, None, None, None, None, None]

    response = upload(
        in_language(staff_client, "en"), xlsx_bytes(rows), name="p.xlsx", file_format=XLSX_FORMAT
    )

    assert response.context["result"].has_validation_errors()
    assert "<td>None</td>" not in response.text
    assert ">None<" not in response.text


# Language of the messages.


def test_spanish_admin_shows_django_validation_messages_in_spanish(staff_client):
    response = upload(in_language(staff_client, "es"), fixture_bytes(MIXED))

    assert "Introduzca una dirección de correo electrónico válida." in response.text
    assert "Este campo no puede estar vacío." in response.text


def test_spanish_admin_translates_import_messages(staff_client):
    # Needs these msgids in the Spanish catalog:
    # "The tax id %(tax_id)s already appears in row %(row)s (%(name)s)."
    # "%(value)s is not a number."
    response = upload(in_language(staff_client, "es"), fixture_bytes(MIXED))

    errors = {
        row.number: row.field_specific_errors for row in response.context["result"].invalid_rows
    }
    repeated = errors[7]["NIT / ID tributario"][0]
    assert "fila 2" in repeated
    assert "Ecopetrol S.A." in repeated
    assert errors[6]["Comisión (%)"][0].startswith("abc no es un número")


# Export, and importing the export.


@pytest.mark.parametrize("language", ["es", "en"])
def test_csv_export_through_admin_imports_back_without_changes(staff_client, language):
    import_through_admin(staff_client, fixture_bytes(VALID))
    client = in_language(staff_client, language)

    preview = upload(client, export(client, CSV_FORMAT))

    result = preview.context["result"]
    assert not result.has_validation_errors()
    assert result.totals["skip"] == 9


def test_xlsx_export_through_admin_imports_back_without_changes(staff_client):
    import_through_admin(staff_client, fixture_bytes(VALID))

    preview = upload(
        staff_client,
        export(staff_client, XLSX_FORMAT),
        name="partners.xlsx",
        file_format=XLSX_FORMAT,
    )

    assert preview.context["result"].totals["skip"] == 9


def test_confirming_unchanged_reimport_logs_nothing(staff_client):
    import_through_admin(staff_client, fixture_bytes(VALID))
    LogEntry.objects.all().delete()

    import_through_admin(staff_client, export(staff_client, CSV_FORMAT))

    assert LogEntry.objects.count() == 0


def test_english_csv_export_has_english_headers(staff_client):
    import_through_admin(staff_client, fixture_bytes(VALID))

    exported = export(in_language(staff_client, "en"), CSV_FORMAT).decode("utf-8-sig")

    assert exported.splitlines()[0].startswith("Legal name,Display name,Kind,Country,Tax id")


def test_spanish_csv_export_is_semicolon_separated_with_decimal_comma(staff_client):
    import_through_admin(staff_client, fixture_bytes(VALID))

    exported = export(in_language(staff_client, "es"), CSV_FORMAT).decode("utf-8-sig")

    bancolombia = next(line for line in exported.splitlines() if line.startswith("Bancolombia"))
    assert ";12,5;15/01/2024;" in bancolombia


def test_export_form_labels_columns_by_header(staff_client):
    response = in_language(staff_client, "en").get(EXPORT)

    assert response.context["form"].fields["partnerresource_tax_id"].label == "Tax id"
