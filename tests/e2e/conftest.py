"""Browser fixtures: a live server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def live_server():
    """Replace pytest-django's server, which binds to "localhost", with one on 127.0.0.1."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


def _keep_on_loopback(route):
    if urlsplit(route.request.url).hostname in LOOPBACK_HOSTS:
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def page(monkeypatch):
    """Yield a Chromium page in Spanish whose requests may only reach loopback hosts."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("CI=true but /usr/bin/chromium is missing; install Debian's chromium.")
        pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in the test's thread, and Django rejects
    # ORM calls from a thread with a running loop, including the test's own queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="es-CO", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.route("**/*", _keep_on_loopback)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
