"""The click list's campaign filter in Chromium: the autocomplete widget reloads the list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.campaigns.makers import make_click
from tests.conftest import PASSWORD
from tests.e2e.conftest import live_server, page  # noqa: F401 (fixtures)
from tests.factories import PartnerFactory, active_campaign_with_link

pytestmark = pytest.mark.browser


def test_campaign_filter_reloads_click_list(live_server, page, staff_user):  # noqa: F811
    base_url = live_server.url
    wanted, _enrollment, wanted_link = active_campaign_with_link(
        PartnerFactory(status="active"), name="Vuelos a Cartagena"
    )
    _other, _enrollment, other_link = active_campaign_with_link(
        PartnerFactory(status="active"), name="Hoteles"
    )
    make_click(link=wanted_link)
    make_click(link=other_link)

    page.goto(f"{base_url}/admin/login/?next=/admin/campaigns/click/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("load")
    expect(page.locator("#result_list")).to_be_visible()

    selector = "select[data-filter-parameter='campaign__id__exact'] + .select2"
    page.locator(selector).click()
    page.locator(".select2-search__field").fill("Cartagena")
    page.locator(".select2-results__option", has_text="Vuelos a Cartagena").click()

    page.wait_for_url(f"**/admin/campaigns/click/?campaign__id__exact={wanted.pk}")
    expect(page.locator("#result_list")).to_contain_text(wanted_link.code)
    expect(page.locator("#result_list")).not_to_contain_text(other_link.code)
    page.screenshot(path="/tmp/hexabuilders-admin-clicks.png", full_page=True)
