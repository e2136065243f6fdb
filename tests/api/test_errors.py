"""Every API error has the shared JSON shape, in the language the request names."""

from __future__ import annotations

import pytest
from django.utils import translation

from partners.models import Partner, PartnerContact
from tests.api.conftest import key_client

PROFILE_URL = "/api/v1/partner/"
CONTACTS_URL = "/api/v1/contacts/"


@pytest.mark.django_db
def test_malformed_json_is_bad_request(api, partner):
    response = api.generic("PATCH", PROFILE_URL, '{"city": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert Partner.objects.get(pk=partner.pk).city == partner.city


@pytest.mark.django_db
def test_form_body_is_unsupported_media_type(api):
    response = api.post(CONTACTS_URL, {"name": "Ana"}, format="multipart")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert PartnerContact.objects.count() == 0


@pytest.mark.django_db
def test_json_list_body_is_bad_request(api):
    response = api.post(CONTACTS_URL, [{"name": "Ana"}], format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["error"]["fields"]
    assert PartnerContact.objects.count() == 0


@pytest.mark.django_db
def test_validation_error_names_fields(api):
    response = api.post(CONTACTS_URL, {"email": "not-an-email"}, format="json")

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "invalid"
    assert error["message"] == "The request contains invalid data."
    assert set(error["fields"]) == {"name", "email"}


@pytest.mark.django_db
def test_service_error_names_fields(api):
    response = api.post(CONTACTS_URL, {"name": "Ana", "phone": "12"}, format="json")

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["message"] == "The contact has invalid data."
    assert list(error["fields"]) == ["phone"]
    assert PartnerContact.objects.count() == 0


@pytest.mark.django_db
def test_method_not_allowed_has_error_shape(api):
    response = api.put(PROFILE_URL, {}, format="json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_non_numeric_id_is_not_found(api):
    response = api.get(f"{CONTACTS_URL}abc/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_out_of_range_id_is_not_found(api):
    response = api.get(f"{CONTACTS_URL}{10**30}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_not_found_in_spanish(write_key):
    response = key_client(write_key[1], language="es").get(f"{CONTACTS_URL}999999/")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No encontrado."


@pytest.mark.django_db
def test_spanish_is_the_default_language(write_key):
    client = key_client(write_key[1])
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {write_key[1]}")

    response = client.get(f"{CONTACTS_URL}999999/")

    assert response.json()["error"]["message"] == "No encontrado."


def spanish(msgid: str) -> str:
    """Return the catalog's Spanish for ``msgid``; fail when the catalog lacks it."""
    with translation.override("es"):
        text = translation.gettext(msgid)
    if text == msgid:
        pytest.fail(f"the Spanish catalog has no translation for {msgid!r}")
    return text


@pytest.mark.django_db
def test_authentication_error_in_spanish(partner):
    expected = spanish("The API key is invalid, expired or revoked.")

    response = key_client("hxb_nothing_here", language="es").get(PROFILE_URL)

    assert response.json()["error"]["message"] == expected


@pytest.mark.django_db
def test_validation_error_in_spanish(write_key):
    expected = spanish("The request contains invalid data.")

    response = key_client(write_key[1], language="es").post(CONTACTS_URL, {}, format="json")

    assert response.json()["error"]["message"] == expected


def test_unknown_api_path_answers_json_not_found(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_api_path_answers_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404


def in_spanish(msgid: str) -> str:
    """Return ``msgid`` translated to Spanish, or the msgid itself while the catalog lacks it."""
    with translation.override("es"):
        return translation.gettext(msgid)


JSON_SYNTAX_ERROR = (
    "The request body is not valid JSON: the syntax is wrong at line %(line)d, column %(column)d."
)
EMPTY_BODY_ERROR = "The request body is empty or null. Send a JSON object."


@pytest.mark.django_db
def test_malformed_json_error_names_line_and_column(api):
    response = api.generic("PATCH", PROFILE_URL, '{\n  "city": ', content_type="application/json")

    assert response.json()["error"]["message"] == JSON_SYNTAX_ERROR % {"line": 2, "column": 11}


@pytest.mark.django_db
def test_malformed_json_error_in_spanish(write_key):
    client = key_client(write_key[1], language="es")

    response = client.generic("PATCH", PROFILE_URL, '{"city": ', content_type="application/json")

    message = response.json()["error"]["message"]
    assert message == in_spanish(JSON_SYNTAX_ERROR) % {"line": 1, "column": 10}
    assert "JSON parse error" not in message


@pytest.mark.django_db
def test_body_that_is_not_utf8_is_bad_request(api):
    response = api.generic(
        "PATCH", PROFILE_URL, b'{"city": "\xff"}', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.django_db
def test_null_body_error_in_spanish(write_key, partner):
    client = key_client(write_key[1], language="es")

    response = client.generic("PATCH", PROFILE_URL, "null", content_type="application/json")

    fields = response.json()["error"]["fields"]
    assert response.status_code == 400
    assert fields == {"non_field_errors": [in_spanish(EMPTY_BODY_ERROR)]}


@pytest.mark.django_db
def test_surrogate_character_error_in_spanish(write_key, partner):
    client = key_client(write_key[1], language="es")

    response = client.generic(
        "PATCH", PROFILE_URL, '{"city": "\\ud800"}', content_type="application/json"
    )

    assert response.json()["error"]["fields"]["city"] == [
        "No se admiten caracteres sustitutos de UTF-16: U+D800."
    ]
    assert Partner.objects.get(pk=partner.pk).city == partner.city
