"""The OpenAPI schema generates without warnings and its docs page needs no CDN."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import translation
from django.utils.functional import Promise


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))

    text = target.read_text()
    assert "/api/v1/contacts/" in text
    assert "ApiKeyAuth" in text


@pytest.mark.django_db
def test_schema_is_public(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200


@pytest.mark.django_db
def test_docs_page_loads_assets_locally(client):
    response = client.get("/api/v1/docs/")

    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert response.status_code == 200
    assert re.findall(r"https?://", html) == []
    assert assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset


API_DESCRIPTION = (
    "Partner-facing API. Authenticate with an API key: `Authorization: Api-Key <key>`."
)


@pytest.mark.django_db
def test_schema_description_in_english(client):
    response = client.get("/api/v1/schema/?format=json&lang=en")

    assert response.json()["info"]["description"] == API_DESCRIPTION


@pytest.mark.parametrize("name", ["TITLE", "DESCRIPTION"])
def test_schema_title_and_description_are_translatable(name):
    assert isinstance(settings.SPECTACULAR_SETTINGS[name], Promise)


@pytest.mark.django_db
def test_schema_title_and_description_follow_lang(client):
    with translation.override("es"):
        expected = (translation.gettext("HexaBuilders API"), translation.gettext(API_DESCRIPTION))

    info = client.get("/api/v1/schema/?format=json&lang=es").json()["info"]

    assert (info["title"], info["description"]) == expected
