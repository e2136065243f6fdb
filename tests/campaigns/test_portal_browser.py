"""Portal campaign pages in Chromium: ask to join, then copy the approved tracking link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaigns import services
from campaigns.models import Enrollment
from tests.conftest import PASSWORD
from tests.e2e.conftest import live_server, page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _sign_in(page, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/portal/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("load")


def test_member_joins_and_copies_link(live_server, page, member):  # noqa: F811
    base_url = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    campaign = services.create_campaign(
        actor=None, name="Vuelos baratos", kind="cpa", landing_url="https://shop.example.com/"
    )
    campaign = services.launch_campaign(campaign=campaign, actor=None)
    _sign_in(page, base_url)

    page.click("#nav-campaigns")
    expect(page.locator("#nav-campaigns")).to_have_attribute("aria-current", "page")
    page.click(f"#join-{campaign.pk}-submit")

    expect(page.locator(".message--success")).to_be_visible()
    expect(page.locator(f"#joined-{campaign.pk}")).to_be_visible()
    enrollment = Enrollment.objects.get(campaign=campaign, partner=member.partner)
    services.approve_enrollment(enrollment=enrollment, actor=None)

    page.reload()
    page.click(f"#copy-link-{campaign.pk}")
    expect(page.locator(f"#copy-link-{campaign.pk}-status")).not_to_be_empty()
    link_text = page.locator(f"#link-{campaign.pk}").inner_text().strip()
    assert page.evaluate("navigator.clipboard.readText()") == link_text
    assert link_text.endswith(f"/t/{enrollment.link.code}")
    page.screenshot(path="/tmp/hexabuilders-portal-campaigns.png", full_page=True)
