"""The live dashboards in Chromium: numbers change without a reload as postbacks arrive.

The pages need WebSockets, so they are served by daphne, with the test database,
channels-redis and tasks run in the server's process: a click on ``/t/<code>`` and a
postback on ``/postback`` are folded at once, and the fold tells the live layer.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

from campaigns import live
from tests.campaigns.live_rows import add_bucket
from tests.conftest import PASSWORD
from tests.factories import active_campaign_with_link
from tests.hexabuilders.conftest import (
    REPOSITORY,
    child_database_url,
    child_environment,
    free_port,
    stop_process,
    wait_for_port,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

SCREENSHOT_DIR = Path(tempfile.gettempdir())
BROWSER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)


@pytest.fixture
def daphne_url(tmp_path):
    """Serve the project with daphne on a free loopback port; stop it after the test."""
    port = free_port()
    environ = child_environment(
        DATABASE_URL=child_database_url(),
        REDIS_URL=settings.REDIS_URL,
        HEXA_TASKS_EAGER="true",
    )
    log_path = tmp_path / "daphne.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "hexabuilders.asgi:application",
            ],
            cwd=REPOSITORY,
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=30)
    except TimeoutError:
        stop_process(process)
        raise AssertionError(log_path.read_text(errors="replace")) from None
    yield f"http://127.0.0.1:{port}"
    stop_process(process)


def _get(base_url: str, path: str) -> http.client.HTTPResponse:
    """GET ``path`` without following redirects, as a browser-like visitor."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", path, headers={"User-Agent": BROWSER_AGENT})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def follow_link(base_url: str, link) -> str:
    """Click the tracking link and return the click id the landing page receives."""
    response = _get(base_url, f"/t/{link.code}")
    assert response.status == 302
    return parse_qs(urlsplit(response.getheader("Location")).query)["hxb_click"][0]


def send_postback(base_url: str, campaign, click_id: str, amount: str) -> None:
    query = urlencode(
        {
            "campaign": campaign.pk,
            "token": campaign.postback_secret,
            "transaction_id": uuid.uuid4().hex,
            "click_id": click_id,
            "amount": amount,
        }
    )
    response = _get(base_url, f"/postback?{query}")
    assert response.status in (200, 201)


def _screenshot(page, name: str) -> None:
    page.wait_for_load_state("load")
    page.screenshot(path=SCREENSHOT_DIR / f"hexabuilders-live-{name}.png", full_page=True)


def test_staff_dashboard_follows_postbacks(daphne_url, page, staff_user, partner, other_partner):
    campaign, _enrollment, link = active_campaign_with_link(partner=partner)
    add_bucket(campaign, other_partner, hours_ago=2, clicks=40, unique_clicks=35)

    page.goto(f"{daphne_url}/admin/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{daphne_url}/admin/campaigns/campaign/{campaign.pk}/live/")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#kpi-clicks")).to_have_text("40")
    expect(page.locator("#kpi-conversions")).to_have_text("0")
    _screenshot(page, "staff-before")

    for _ in range(3):
        click_id = follow_link(daphne_url, link)
    send_postback(daphne_url, campaign, click_id, "125000.00")

    expect(page.locator("#kpi-clicks")).to_have_text("43")
    expect(page.locator("#kpi-conversions")).to_have_text("1")
    # 10.000 COP of payout over 43 clicks, formatted for Spanish.
    expect(page.locator("#kpi-payout")).to_contain_text("10.000")
    expect(page.locator(f"#live-partner-{partner.pk} td").first).to_have_text("3")
    bars = page.locator("#live-chart rect.live-chart__bar")
    expect(bars).to_have_count(24)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    _screenshot(page, "staff-after")


def test_portal_dashboard_follows_own_slice(daphne_url, page, member, other_partner):
    campaign, _enrollment, _link = active_campaign_with_link(partner=member.partner)
    from campaigns import services

    services.invite_partner(campaign=campaign, partner=other_partner, actor=None)
    add_bucket(campaign, member.partner, clicks=5, unique_clicks=5)

    snapshot_requests = []
    page.on(
        "request",
        lambda request: (
            snapshot_requests.append(request.url)
            if request.url.endswith("/live/snapshot/")
            else None
        ),
    )
    page.goto(f"{daphne_url}/portal/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.goto(f"{daphne_url}/portal/campaigns/{campaign.pk}/live/")

    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("#kpi-clicks")).to_have_text("5")

    add_bucket(campaign, other_partner, clicks=900, conversions=9, payout="90000.00")
    add_bucket(campaign, member.partner, hours_ago=1, clicks=2, conversions=1, payout="10000")
    live.campaigns_changed([campaign.pk])

    expect(page.locator("#kpi-clicks")).to_have_text("7")
    expect(page.locator("#kpi-conversions")).to_have_text("1")
    expect(page.locator("#live-dashboard")).not_to_contain_text("900")
    _screenshot(page, "portal-after")
    fetched_before_gap = len(snapshot_requests)

    # A version the page never receives: the next snapshot shows a gap, so it refetches.
    live.build_messages(campaign.pk)
    add_bucket(campaign, member.partner, hours_ago=2, clicks=1)
    live.campaigns_changed([campaign.pk])

    expect(page.locator("#kpi-clicks")).to_have_text("8")
    page.wait_for_timeout(500)
    assert len(snapshot_requests) == fetched_before_gap + 1
