import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Click, Enrollment
from campaigns.tracking import SUB_ID_MAX_LENGTH, hash_ip
from partners.models import Partner
from tests.factories import PartnerFactory, active_campaign_with_link

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0 Safari/537.36"
)
VISITOR_IP = "203.0.113.77"
LANDING = "https://shop.example.com/vuelos"


def _click(client, code, *, method="get", ip=VISITOR_IP, user_agent=IPHONE, **extra):
    send = getattr(client, method)
    return send(f"/t/{code}", REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent, **extra)


def _query(response) -> dict[str, list[str]]:
    return parse_qs(urlsplit(response["Location"]).query)


def _without_query(response) -> str:
    parts = urlsplit(response["Location"])
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def test_redirect_sends_visitor_to_landing_with_click_id(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = _click(client, link.code)

    click = Click.objects.get()
    assert response.status_code == 302
    assert _without_query(response) == LANDING
    assert _query(response)["hxb_click"] == [str(click.id)]


def test_redirect_records_billable_unique_click(client, partner):
    campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code, HTTP_REFERER="https://WWW.Instagram.com/p/abc?x=1")

    click = Click.objects.get()
    assert click.outcome == Click.Outcome.REDIRECTED
    assert click.is_billable
    assert click.is_unique
    assert not click.is_bot
    assert click.link_id == link.pk
    assert click.campaign_id == campaign.pk
    assert click.partner_id == partner.pk
    assert click.device == Click.Device.MOBILE
    assert click.referrer_domain == "www.instagram.com"
    assert click.code == link.code


def test_redirect_response_is_not_cacheable(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = _click(client, link.code)

    assert response["Cache-Control"] == "no-store"


def test_redirect_keeps_destination_query_and_replaces_click_id(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    link.destination_url = "https://shop.example.com/vuelos/bog?utm_source=hx&hxb_click=old#top"
    link.save()

    response = _click(client, link.code)

    click = Click.objects.get()
    assert _query(response)["utm_source"] == ["hx"]
    assert _query(response)["hxb_click"] == [str(click.id)]
    assert urlsplit(response["Location"]).fragment == "top"
    assert urlsplit(response["Location"]).path == "/vuelos/bog"


def test_redirect_rejects_post(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = _click(client, link.code, method="post")

    assert response.status_code == 405
    assert not Click.objects.exists()


def test_redirect_uses_one_query_once_link_is_cached(
    client, partner, settings, django_assert_num_queries
):
    # A fold queued by the first click covers the second, so it runs no fold queries.
    settings.CAMPAIGNS_FOLD_DEBOUNCE_SECONDS = 60
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    _click(client, link.code)

    with django_assert_num_queries(1):
        _click(client, link.code)


# Outcomes that go to the fallback ---------------------------------------------


@pytest.mark.parametrize("code", ["doesnotexist", "bad$code", "x" * 80])
def test_unknown_code_goes_to_fallback(client, settings, code):
    settings.CLICK_FALLBACK_URL = "https://hexabuilders.example/no-disponible"

    response = client.get(f"/t/{code}", REMOTE_ADDR=VISITOR_IP)

    click = Click.objects.get()
    assert response["Location"] == "https://hexabuilders.example/no-disponible"
    assert click.outcome == Click.Outcome.UNKNOWN_LINK
    assert not click.is_billable
    assert click.campaign_id is None
    assert click.code == code[:64]


@pytest.mark.parametrize("command", ["pause", "complete", "cancel"])
def test_stopped_campaign_goes_to_fallback(client, partner, command):
    campaign, _enrollment, link = active_campaign_with_link(partner)
    getattr(services, f"{command}_campaign")(campaign=campaign, actor=None)

    response = _click(client, link.code)

    click = Click.objects.get()
    assert response["Location"] == "/"
    assert click.outcome == Click.Outcome.INACTIVE
    assert not click.is_billable
    assert click.campaign_id == campaign.pk


@pytest.mark.parametrize("schedule", [False, True])
def test_campaign_not_yet_launched_goes_to_fallback(client, partner, schedule):
    campaign = services.create_campaign(
        actor=None,
        name="Preventa",
        kind="cpa",
        landing_url=LANDING,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    if schedule:
        campaign = services.schedule_campaign(campaign=campaign, actor=None)
    enrollment = services.invite_partner(campaign=campaign, partner=partner, actor=None)

    response = _click(client, enrollment.link.code)

    assert response["Location"] == "/"
    assert Click.objects.get().outcome == Click.Outcome.INACTIVE


def test_campaign_past_end_goes_to_fallback(client, partner):
    campaign, _enrollment, link = active_campaign_with_link(partner)
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=timezone.now() - dt.timedelta(hours=1))

    response = _click(client, link.code)

    assert response["Location"] == "/"
    assert Click.objects.get().outcome == Click.Outcome.INACTIVE


def test_enrollment_not_approved_goes_to_fallback(client, partner):
    _campaign, enrollment, link = active_campaign_with_link(partner)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.REMOVED)

    response = _click(client, link.code)

    assert response["Location"] == "/"
    assert Click.objects.get().outcome == Click.Outcome.INACTIVE


@pytest.mark.parametrize("status", [Partner.Status.SUSPENDED, Partner.Status.TERMINATED])
def test_inactive_partner_goes_to_fallback(client, partner, status):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    Partner.objects.filter(pk=partner.pk).update(status=status)

    response = _click(client, link.code)

    assert response["Location"] == "/"
    assert Click.objects.get().outcome == Click.Outcome.INACTIVE


# Previews and bots ------------------------------------------------------------


def test_head_request_is_redirected_but_not_billable(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = _click(client, link.code, method="head")

    click = Click.objects.get()
    assert response.status_code == 302
    assert _without_query(response) == LANDING
    assert click.outcome == Click.Outcome.PREVIEW
    assert not click.is_billable


@pytest.mark.parametrize(
    "user_agent",
    [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0 A",
        "Twitterbot/1.0",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
    ],
)
def test_preview_fetcher_is_redirected_but_not_billable(client, partner, user_agent):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = _click(client, link.code, user_agent=user_agent)

    click = Click.objects.get()
    assert _without_query(response) == LANDING
    assert click.outcome == Click.Outcome.PREVIEW
    assert click.is_bot
    assert click.device == Click.Device.BOT
    assert not click.is_billable
    assert not click.is_unique


def test_bot_on_paused_campaign_goes_to_fallback(client, partner):
    campaign, _enrollment, link = active_campaign_with_link(partner)
    services.pause_campaign(campaign=campaign, actor=None)

    response = _click(client, link.code, user_agent="Twitterbot/1.0")

    click = Click.objects.get()
    assert response["Location"] == "/"
    assert click.outcome == Click.Outcome.INACTIVE
    assert click.is_bot


# Unique window ----------------------------------------------------------------


def test_second_click_within_window_is_not_unique(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code)
    _click(client, link.code)

    first, second = Click.objects.order_by("id")
    assert first.is_unique
    assert not second.is_unique
    assert second.is_billable


def test_other_user_agent_or_ip_is_unique(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code)
    _click(client, link.code, user_agent=DESKTOP)
    _click(client, link.code, ip="198.51.100.9")

    assert Click.objects.filter(is_unique=True).count() == 3


def test_same_visitor_on_other_link_is_unique(client, partner, other_partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    _other_campaign, _other_enrollment, other_link = active_campaign_with_link(other_partner)

    _click(client, link.code)
    _click(client, other_link.code)

    assert Click.objects.filter(is_unique=True).count() == 2


def test_zero_hour_window_makes_every_click_unique(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner, unique_click_window_hours=0)

    _click(client, link.code)
    _click(client, link.code)

    assert Click.objects.filter(is_unique=True).count() == 2


# Privacy ----------------------------------------------------------------------


def test_raw_ip_is_stored_in_no_column(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code, HTTP_REFERER="https://203.0.113.77/x")
    _click(client, "unknowncode")

    values = list(Click.objects.values())
    assert len(values) == 2
    for row in values:
        for column, value in row.items():
            if column == "referrer_domain":
                continue  # a referrer URL the visitor sent is not the visitor's address
            assert VISITOR_IP not in str(value), column


def test_ip_hash_is_hmac_of_the_day(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code)

    click = Click.objects.get()
    assert click.ip_hash == hash_ip(VISITOR_IP, now=click.created_at)
    assert len(click.ip_hash) == 64


def test_ip_hash_rotates_with_utc_date():
    monday = dt.datetime(2026, 3, 2, 23, 59, tzinfo=dt.UTC)
    tuesday = monday + dt.timedelta(minutes=2)

    assert hash_ip(VISITOR_IP, now=monday) == hash_ip(VISITOR_IP, now=monday.replace(hour=1))
    assert hash_ip(VISITOR_IP, now=monday) != hash_ip(VISITOR_IP, now=tuesday)


# Sub-ids ----------------------------------------------------------------------


def test_sub_ids_are_bounded_and_merged_over_link_defaults(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    link.sub_ids = {"sub1": "instagram", "sub2": "historia"}
    link.save()

    _click(client, f"{link.code}?sub2=reel&sub3={'z' * 300}&sub6=drop&foo=drop")

    assert Click.objects.get().sub_ids == {
        "sub1": "instagram",
        "sub2": "reel",
        "sub3": "z" * SUB_ID_MAX_LENGTH,
    }


# Deep links and open-redirect attempts -----------------------------------------


@pytest.mark.parametrize(
    "requested",
    [
        "//evil.com/x",
        "https://evil.com/",
        "https://shop.example.com@evil.com/",
        "https://evil.com@shop.example.com/",
        "https://evil.com\\@shop.example.com/",
        "https://shop.example.com\\.evil.com/",
        "javascript:alert(1)",
        "JavaScript://shop.example.com/%0aalert(1)",
        "data:text/html,hi",
        "/relative/path",
        "https://shop.example.com.evil.com/",
        "https://evil.com/?https://shop.example.com/",
        "https://shop.example.com:8443/",
        "https://shop.example.com:0/",
        "https://xn--shp-sna.example.com/",
        "https://shöp.example.com/",
        "https://ｓhop.example.com/",
        "https://shop.example.com./",
        " https://evil.com/",
        "https://shop.example.com/\nLocation: https://evil.com/",
        "ftp://shop.example.com/",
    ],
)
def test_deep_link_outside_campaign_is_ignored(client, partner, requested):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = _click(client, link.code, data={"url": requested})

    assert response.status_code == 302
    assert _without_query(response) == LANDING
    assert Click.objects.get().outcome == Click.Outcome.REDIRECTED


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("https://shop.example.com/hoteles?x=1", "https://shop.example.com/hoteles"),
        ("https://SHOP.Example.COM/Hoteles", "https://shop.example.com/Hoteles"),
        ("https://shop.example.com:443/hoteles", "https://shop.example.com/hoteles"),
        ("https://ofertas.example.org/b", "https://ofertas.example.org/b"),
    ],
)
def test_deep_link_on_allowed_host_is_followed(client, partner, requested, expected):
    _campaign, _enrollment, link = active_campaign_with_link(
        partner, allowed_domains=["ofertas.example.org"]
    )

    response = _click(client, link.code, data={"url": requested})

    assert _without_query(response) == expected
    assert "hxb_click" in _query(response)


def test_deep_link_ignored_on_fallback(client, partner):
    campaign, _enrollment, link = active_campaign_with_link(partner)
    services.pause_campaign(campaign=campaign, actor=None)

    response = _click(client, link.code, data={"url": "https://shop.example.com/x"})

    assert response["Location"] == "/"


# Targeting and the trusted proxy ----------------------------------------------


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    settings.TRUSTED_COUNTRY_HEADER = "CF-IPCountry"


def test_country_from_trusted_proxy_is_recorded(client, partner, behind_proxy):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code, ip="10.1.2.3", HTTP_CF_IPCOUNTRY="co")

    assert Click.objects.get().country == "CO"


def test_country_header_from_untrusted_address_is_ignored(client, partner, behind_proxy):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code, ip=VISITOR_IP, HTTP_CF_IPCOUNTRY="CO")

    assert Click.objects.get().country == ""


def test_country_header_ignored_when_not_configured(client, partner, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.TRUSTED_COUNTRY_HEADER = ""
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code, ip="10.1.2.3", HTTP_CF_IPCOUNTRY="CO")

    assert Click.objects.get().country == ""


def test_forwarded_address_is_hashed_only_from_trusted_proxy(client, partner, behind_proxy):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code, ip="192.0.2.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    _click(client, link.code, ip=VISITOR_IP, HTTP_X_FORWARDED_FOR="198.51.100.4")

    trusted, untrusted = Click.objects.order_by("id")
    assert trusted.ip_hash == hash_ip("198.51.100.4", now=trusted.created_at)
    assert untrusted.ip_hash == hash_ip(VISITOR_IP, now=untrusted.created_at)


@pytest.mark.parametrize(
    ("country", "outcome"),
    [("CO", Click.Outcome.REDIRECTED), ("MX", Click.Outcome.NOT_TARGETED), ("", "not_targeted")],
)
def test_country_targeting(client, partner, behind_proxy, country, outcome):
    _campaign, _enrollment, link = active_campaign_with_link(
        partner, audience={"countries": ["CO", "PE"]}
    )

    response = _click(client, link.code, ip="10.0.0.5", HTTP_CF_IPCOUNTRY=country)

    click = Click.objects.get()
    assert click.outcome == outcome
    assert click.is_billable == (outcome == Click.Outcome.REDIRECTED)
    assert (response["Location"] == "/") == (outcome == Click.Outcome.NOT_TARGETED)


def test_country_targeting_ignores_header_from_untrusted_address(client, partner, behind_proxy):
    _campaign, _enrollment, link = active_campaign_with_link(
        partner, audience={"countries": ["CO"]}
    )

    response = _click(client, link.code, ip=VISITOR_IP, HTTP_CF_IPCOUNTRY="CO")

    assert response["Location"] == "/"
    assert Click.objects.get().outcome == Click.Outcome.NOT_TARGETED


@pytest.mark.parametrize(
    ("user_agent", "outcome"),
    [(IPHONE, Click.Outcome.REDIRECTED), (DESKTOP, Click.Outcome.NOT_TARGETED)],
)
def test_device_targeting(client, partner, user_agent, outcome):
    _campaign, _enrollment, link = active_campaign_with_link(
        partner, audience={"devices": ["mobile", "tablet"]}
    )

    _click(client, link.code, user_agent=user_agent)

    assert Click.objects.get().outcome == outcome


@pytest.mark.parametrize(
    ("accept_language", "outcome"),
    [
        ("es-CO,es;q=0.9,en;q=0.8", Click.Outcome.REDIRECTED),
        ("en-US,es;q=0.5", Click.Outcome.REDIRECTED),
        ("en-US,en;q=0.9", Click.Outcome.NOT_TARGETED),
        ("en-US,es;q=0", Click.Outcome.NOT_TARGETED),
        ("", Click.Outcome.NOT_TARGETED),
    ],
)
def test_language_targeting(client, partner, accept_language, outcome):
    _campaign, _enrollment, link = active_campaign_with_link(
        partner, audience={"languages": ["es"]}
    )

    _click(client, link.code, HTTP_ACCEPT_LANGUAGE=accept_language)

    assert Click.objects.get().outcome == outcome


def test_language_recorded_from_accept_language(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _click(client, link.code, HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9")

    assert Click.objects.get().language == "pt"


def test_preview_skips_targeting(client, partner):
    _campaign, _enrollment, link = active_campaign_with_link(
        partner, audience={"countries": ["CO"]}
    )

    response = _click(client, link.code, user_agent="facebookexternalhit/1.1")

    assert _without_query(response) == LANDING
    assert Click.objects.get().outcome == Click.Outcome.PREVIEW


# Link cache -------------------------------------------------------------------


def test_cached_link_survives_silent_status_change(client, partner):
    campaign, _enrollment, link = active_campaign_with_link(partner)
    _click(client, link.code)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.PAUSED)

    _click(client, link.code)

    assert Click.objects.filter(outcome=Click.Outcome.REDIRECTED).count() == 2


def test_pause_invalidates_cached_link(client, partner, django_capture_on_commit_callbacks):
    campaign, _enrollment, link = active_campaign_with_link(partner)
    _click(client, link.code)

    with django_capture_on_commit_callbacks(execute=True):
        services.pause_campaign(campaign=campaign, actor=None)
    response = _click(client, link.code)

    assert response["Location"] == "/"
    assert Click.objects.filter(outcome=Click.Outcome.INACTIVE).count() == 1


def test_launch_invalidates_cached_link(client, partner, django_capture_on_commit_callbacks):
    campaign, _enrollment, link = active_campaign_with_link(partner)
    services.pause_campaign(campaign=campaign, actor=None)
    _click(client, link.code)

    with django_capture_on_commit_callbacks(execute=True):
        services.launch_campaign(campaign=campaign, actor=None)
    _click(client, link.code)

    assert Click.objects.filter(outcome=Click.Outcome.REDIRECTED).count() == 1


def test_partner_suspension_invalidates_cached_link(client, django_capture_on_commit_callbacks):
    from partners import services as partner_services

    partner = PartnerFactory(status="active")
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    _click(client, link.code)

    with django_capture_on_commit_callbacks(execute=True):
        partner_services.suspend_partner(partner=partner, actor=None, reason="fraude")
    response = _click(client, link.code)

    assert response["Location"] == "/"
