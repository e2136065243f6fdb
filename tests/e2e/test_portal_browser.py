"""The partner portal in a real browser: sign in, create a key, see it once, revoke it.

The pages are in Spanish, and the checks use element ids, roles and ``html[lang]``.
TODO: assert the Spanish text of the key warning, the status badges and the revoke
message once the Spanish catalog translates the portal.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from partners.models import ApiKey
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path(tempfile.gettempdir())


def _screenshot(page, name: str) -> None:
    # A click returns once navigation starts, and the stylesheet may still be loading.
    page.wait_for_load_state("load")
    page.screenshot(path=SCREENSHOT_DIR / f"hexabuilders-portal-{name}.png", full_page=True)


def _sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/portal/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")


def test_member_creates_and_revokes_key(live_server, page, member):
    base_url = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)

    _sign_in(page, base_url)

    expect(page.locator("#partner-profile")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert page.url == f"{base_url}/portal/"
    _screenshot(page, "profile")

    page.click("#nav-api-keys")
    expect(page.locator("#nav-api-keys")).to_have_attribute("aria-current", "page")
    expect(page.locator("#api-keys-empty")).to_be_visible()

    page.fill("#id_name", "Tienda en línea")
    page.check("input[name='scope'][value='write']")
    page.click("#api-key-create-submit")

    expect(page.locator("#new-api-key-warning")).to_have_attribute("role", "alert")
    raw_key = page.locator("#new-api-key").inner_text().strip()
    api_key = ApiKey.objects.get(partner=member.partner)
    assert raw_key.startswith(f"hxb_{api_key.prefix}_")

    page.click("#copy-api-key")
    expect(page.locator("#copy-api-key-status")).not_to_be_empty()
    assert page.evaluate("navigator.clipboard.readText()") == raw_key
    _screenshot(page, "key-created")

    page.click("#back-to-keys")
    row = page.locator(f"#api-key-{api_key.pk}")
    expect(row.locator("[data-status='active']")).to_be_visible()
    assert raw_key not in page.content()
    _screenshot(page, "keys")

    row.locator(f"#revoke-{api_key.pk}").click()
    expect(page.locator("#api-key-revoke")).to_be_visible()
    page.click("#api-key-revoke-confirm")

    expect(page.locator(".message--success")).to_be_visible()
    expect(row.locator("[data-status='revoked']")).to_be_visible()
    expect(row.locator(f"#revoke-{api_key.pk}")).to_have_count(0)
    _screenshot(page, "key-revoked")
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_language_switch_keeps_page(live_server, page, member):
    base_url = live_server.url
    _sign_in(page, base_url)
    page.click("#nav-api-keys")

    page.click("#language-en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#language-en")).to_have_attribute("aria-pressed", "true")
    assert page.url == f"{base_url}/portal/api-keys/"
