"""The import and export screens in Spanish, including the messages of django-import-export
and Django that locale-overrides/ translates."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.fixtures.partner_spreadsheets import VALID, fixture_rows, write_csv, xlsx_bytes

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:partners_partner_import")
EXPORT = reverse("admin:partners_partner_export")


@pytest.fixture
def spanish_client(client, staff_user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    client.force_login(staff_user)
    return client


def _upload(client, data: bytes, *, name: str, file_format: str):
    upload = SimpleUploadedFile(name, data)
    return client.post(IMPORT, {"format": file_format, "resource": "0", "import_file": upload})


def test_export_page_lists_fields_in_spanish(spanish_client):
    html = spanish_client.get(EXPORT).content.decode()

    assert "Este exportador exportará los siguientes campos:" in html
    assert "This exporter will export" not in html


def test_export_page_select_all_in_spanish(spanish_client):
    html = spanish_client.get(EXPORT).content.decode()

    assert "Seleccionar todos" in html
    assert "Select all" not in html


def test_headers_only_import_explained_in_spanish(spanish_client):
    data = write_csv(fixture_rows(VALID)[:1])

    response = _upload(spanish_client, data, name="partners.csv", file_format="0")

    errors = response.context["form"].errors["import_file"]
    assert errors[0].startswith("No hay datos válidos para importar.")


def test_import_of_empty_sheet_is_explained_in_spanish(spanish_client):
    response = _upload(spanish_client, xlsx_bytes([]), name="partners.xlsx", file_format="1")

    errors = response.context["form"].errors["import_file"]
    assert errors[0].startswith("No hay datos válidos para importar.")


def test_import_of_empty_file_is_spelled_correctly(spanish_client):
    response = _upload(spanish_client, b"", name="partners.csv", file_format="0")

    assert response.context["form"].errors["import_file"] == ["El archivo enviado está vacío."]
