import threading
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from campaigns import tracking
from campaigns.models import Click
from campaigns.tracking import (
    BUFFER_KEY,
    CLAIMED_KEY,
    FLUSH_SCHEDULED_KEY,
    classify_user_agent,
    flush_click_buffer,
    with_click_id,
)
from tests.factories import active_campaign_with_link

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def buffered(settings):
    settings.CLICK_RECORDING = "buffer"
    settings.CAMPAIGNS_FOLD_DEBOUNCE_SECONDS = 60


def _redis():
    return cache._cache.get_client(write=True)


def _record_click(link, **fields) -> Click:
    click = Click(
        code=link.code,
        outcome=Click.Outcome.REDIRECTED,
        ip_hash="0" * 64,
        device=Click.Device.MOBILE,
        link_id=link.pk,
        campaign_id=link.enrollment.campaign_id,
        partner_id=link.enrollment.partner_id,
        sub_ids={"sub1": "reel"},
        is_billable=True,
        **fields,
    )
    tracking.record_click(click)
    return click


@pytest.mark.redis
def test_buffered_click_is_stored_by_flush(client, partner, buffered):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = client.get(f"/t/{link.code}", HTTP_USER_AGENT=IPHONE)

    # Tasks run in-process here, so the flush queued by the click has already run.
    click_id = parse_qs(urlsplit(response["Location"]).query)["hxb_click"][0]
    click = Click.objects.get()
    assert str(click.id) == click_id
    assert click.outcome == Click.Outcome.REDIRECTED
    assert _redis().llen(BUFFER_KEY) == 0


@pytest.mark.redis
def test_buffered_click_waits_until_flush(partner, buffered):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    _redis().set(FLUSH_SCHEDULED_KEY, 1, ex=60)

    click = _record_click(link)

    assert not Click.objects.exists()
    assert flush_click_buffer() == 1
    stored = Click.objects.get()
    assert stored.id == click.id
    assert stored.sub_ids == {"sub1": "reel"}
    assert stored.created_at == click.created_at
    assert not stored.folded


@pytest.mark.redis
def test_flush_redoes_batch_left_by_dead_flush(partner, buffered):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    client = _redis()
    client.set(FLUSH_SCHEDULED_KEY, 1, ex=60)
    first = _record_click(link)
    _record_click(link)
    # A flush claims both clicks, inserts the first and dies before deleting its claim.
    claim_key = f"{BUFFER_KEY}:claim:dead"
    claim = client.register_script(tracking._CLAIM_SCRIPT)
    assert claim(keys=[BUFFER_KEY, claim_key, CLAIMED_KEY], args=[500, 1]) == 2
    Click.objects.bulk_create([first])

    flush_click_buffer()

    assert Click.objects.count() == 2
    assert client.exists(claim_key) == 0
    assert client.zcard(CLAIMED_KEY) == 0


@pytest.mark.redis
def test_flush_leaves_recent_claim_of_running_flush(partner, buffered):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    client = _redis()
    client.set(FLUSH_SCHEDULED_KEY, 1, ex=60)
    _record_click(link)
    claim = client.register_script(tracking._CLAIM_SCRIPT)
    claim(keys=[BUFFER_KEY, f"{BUFFER_KEY}:claim:busy", CLAIMED_KEY], args=[500, 4e9])

    assert flush_click_buffer() == 0
    assert client.zcard(CLAIMED_KEY) == 1


def test_insert_mode_stores_click_at_once(partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    click = _record_click(link)

    assert Click.objects.filter(pk=click.id).exists()


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (IPHONE, Click.Device.MOBILE),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1",
            Click.Device.TABLET,
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            Click.Device.TABLET,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
            Click.Device.MOBILE,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Safari/605.1.15",
            Click.Device.DESKTOP,
        ),
        ("", Click.Device.OTHER),
        ("facebookexternalhit/1.1", Click.Device.BOT),
    ],
)
def test_classify_user_agent_device(user_agent, device):
    assert classify_user_agent(user_agent).device == device


def test_with_click_id_keeps_encoded_query():
    click_id = uuid.UUID("01890000-0000-7000-8000-000000000000")

    url = with_click_id("https://shop.example.com/a?q=caf%C3%A9&empty=&hxb_click=x#f", click_id)

    assert url == (
        "https://shop.example.com/a?q=caf%C3%A9&empty=&hxb_click="
        "01890000-0000-7000-8000-000000000000#f"
    )


def test_asynchronous_commit_stores_every_field(partner, settings):
    settings.CLICK_SYNCHRONOUS_COMMIT = False
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    click = _record_click(link, country="CO", is_unique=True)

    stored = Click.objects.get()
    assert stored.id == click.id
    assert stored.created_at == click.created_at
    assert stored.sub_ids == {"sub1": "reel"}
    assert stored.country == "CO"
    assert stored.is_unique
    assert stored.is_billable
    assert stored.link_id == link.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_asynchronous_commit_stays_within_click_insert(partner, settings):
    from django.db import connection

    settings.CLICK_SYNCHRONOUS_COMMIT = False
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    _record_click(link)

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert Click.objects.count() == 1


@pytest.fixture
def unreachable_cache(settings):
    # Nothing listens on port 1 of the loopback address, so every cache call fails fast.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.CAMPAIGNS_FOLD_DEBOUNCE_SECONDS = 60


@pytest.mark.parametrize("recording", ["insert", "buffer"])
def test_redirect_records_click_while_cache_is_down(
    client, partner, settings, unreachable_cache, recording
):
    settings.CLICK_RECORDING = recording
    _campaign, _enrollment, link = active_campaign_with_link(partner)

    response = client.get(f"/t/{link.code}", HTTP_USER_AGENT=IPHONE)

    click = Click.objects.get()
    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc == "shop.example.com"
    assert click.outcome == Click.Outcome.REDIRECTED
    assert click.is_billable
    assert not click.is_unique


def test_shared_cache_is_one_instance_across_threads():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(tracking.shared_cache()))
    thread.start()
    thread.join(timeout=10)

    assert seen == [tracking.shared_cache()]


def test_shared_cache_follows_changed_caches_setting(settings):
    before = tracking.shared_cache()

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    assert tracking.shared_cache() is not before


def test_unique_flag_stays_in_default_cache(partner):
    _campaign, _enrollment, link = active_campaign_with_link(partner)
    target = tracking.get_link_target(link.code)

    tracking.is_first_click(target, "203.0.113.7", IPHONE)

    assert cache.get(tracking._unique_key(target.link_id, "203.0.113.7", IPHONE)) == 1
