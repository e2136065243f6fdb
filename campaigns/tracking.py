"""Click recording for the tracking redirect ``/t/<code>``.

Every request to a tracking link produces one ``Click`` row, whatever its outcome:
redirected, preview (HEAD requests, link-preview fetchers and other bots), unknown
link, inactive campaign or enrollment, or visitor outside the audience. Only
``redirected`` clicks are billable. The raw IP address is never stored. The row
keeps an HMAC-SHA256 of it, keyed with a salt derived from ``SECRET_KEY`` and the
UTC date, so hashes of one visitor match within a day and every web process
computes the same salt without shared state.

Durability: ``record_click`` commits the row with one INSERT before the 302 is
sent, so a web or Celery worker that dies loses no click it redirected, and the
row is visible at once to postback attribution. By default the commit waits for
the WAL flush. ``HEXA_CLICK_SYNCHRONOUS_COMMIT=false`` turns that wait off for the
click's statement alone, for disks where the flush is slow; a crash of the
PostgreSQL server can then lose its last few hundred milliseconds of clicks. The
alternative, ``HEXA_CLICK_RECORDING=buffer``, pushes the click onto a Redis list
that a Celery task on the ``ingest`` queue flushes in batches. Its flush claims a
batch atomically and inserts it idempotently (the click id is the primary key),
so a flush worker that dies loses nothing. Clicks waiting in Redis survive a Redis
crash only with AOF persistence, and with the default ``appendfsync everysec`` the
last second can still be lost. bench/click_redirect.py measures the three against
a bare 302 view, and docs/benchmarks.md has the figures behind this default.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from celery import shared_task
from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation.trans_real import parse_accept_lang_header
from redis.exceptions import RedisError
from ua_parser import parse as parse_user_agent

from campaigns.ingestion import schedule_fold
from campaigns.models import Campaign, Click, Enrollment, TrackingLink
from hexabuilders.events import subscribe
from partners.models import Partner

logger = logging.getLogger(__name__)

CLICK_ID_PARAMETER = "hxb_click"
DEEP_LINK_PARAMETER = "url"
SUB_ID_KEYS = ("sub1", "sub2", "sub3", "sub4", "sub5")
SUB_ID_MAX_LENGTH = 100
USER_AGENT_MAX_LENGTH = Click._meta.get_field("user_agent").max_length
CODE_MAX_LENGTH = Click._meta.get_field("code").max_length
_LINK_CODE = re.compile(r"[A-Za-z0-9]{1,16}")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")

LINK_CACHE_PREFIX = "click-link:"
UNIQUE_CACHE_PREFIX = "click-seen:"
# Unknown codes are cached too, so a scanner trying random codes costs no query.
_UNKNOWN_LINK = "unknown"


# Link lookup ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """The fields of one tracking link that the redirect reads, cached by code."""

    link_id: int
    campaign_id: int
    partner_id: int
    campaign_status: str
    campaign_ends_at: dt.datetime | None
    enrollment_status: str
    partner_status: str
    landing_url: str
    destination_url: str
    allowed_domains: tuple[str, ...]
    default_sub_ids: dict = field(hash=False)
    unique_window_hours: int
    countries: frozenset[str]
    devices: frozenset[str]
    languages: frozenset[str]

    def is_active(self, now: dt.datetime) -> bool:
        """Return whether clicks on the link may reach the campaign at ``now``."""
        return (
            self.campaign_status == Campaign.Status.ACTIVE
            and (self.campaign_ends_at is None or self.campaign_ends_at > now)
            and self.enrollment_status == Enrollment.Status.APPROVED
            and self.partner_status == Partner.Status.ACTIVE
        )


def _link_cache_key(code: str) -> str:
    return LINK_CACHE_PREFIX + code


def _load_link_target(code: str) -> LinkTarget | None:
    link = (
        TrackingLink.objects.select_related("enrollment__campaign__audience", "enrollment__partner")
        .filter(code=code)
        .first()
    )
    if link is None:
        return None
    enrollment = link.enrollment
    campaign = enrollment.campaign
    try:
        audience = campaign.audience
    except Campaign.audience.RelatedObjectDoesNotExist:
        audience = None
    return LinkTarget(
        link_id=link.pk,
        campaign_id=campaign.pk,
        partner_id=enrollment.partner_id,
        campaign_status=campaign.status,
        campaign_ends_at=campaign.ends_at,
        enrollment_status=enrollment.status,
        partner_status=enrollment.partner.status,
        landing_url=campaign.landing_url,
        destination_url=link.destination_url,
        allowed_domains=tuple(campaign.allowed_domains or ()),
        default_sub_ids=dict(link.sub_ids or {}),
        unique_window_hours=campaign.unique_click_window_hours,
        countries=frozenset(c.upper() for c in (audience.countries if audience else [])),
        devices=frozenset(d.lower() for d in (audience.devices if audience else [])),
        languages=frozenset(lang.lower() for lang in (audience.languages if audience else [])),
    )


# Django keeps a cache instance per thread, and under ASGI each request runs in a new
# thread, so ``cache`` opened a new Redis connection per click. The redis-py pool is
# thread-safe, so one instance serves the process until the CACHES setting changes.
_process_cache: tuple[object, object] | None = None


def shared_cache():
    """Return the process-wide instance of the default cache."""
    global _process_cache
    config = settings.CACHES
    current = _process_cache
    if current is None or current[0] is not config:
        current = (config, caches.create_connection(DEFAULT_CACHE_ALIAS))
        _process_cache = current
    return current[1]


# While Redis is unreachable clicks are still redirected and recorded: links are read
# from the database, and the unique flag is left false because it cannot be checked.
_CACHE_WARNING_INTERVAL = 60.0
_last_cache_warning = 0.0


def _warn_cache_unavailable(exc: Exception) -> None:
    global _last_cache_warning
    now = time.monotonic()
    if now - _last_cache_warning >= _CACHE_WARNING_INTERVAL:
        _last_cache_warning = now
        logger.warning("click redirect cannot reach the cache, using the database: %s", exc)


# A copy per process for a moment spares the shared cache's round trip on most
# clicks. Another process applies a status change up to this long after the event.
LOCAL_LINK_CACHE_SECONDS = 2.0
_LOCAL_LINK_CACHE_SIZE = 10_000
_local_links: dict[str, tuple[float, LinkTarget | str]] = {}


def get_link_target(code: str) -> LinkTarget | None:
    """Return the cached target of ``code``, or ``None`` when no link has that code."""
    if not _LINK_CODE.fullmatch(code):
        return None
    now = time.monotonic()
    local = _local_links.get(code)
    if local is not None and local[0] > now:
        cached = local[1]
    else:
        key = _link_cache_key(code)
        try:
            cached = shared_cache().get(key)
        except RedisError as exc:
            _warn_cache_unavailable(exc)
            cached = _load_link_target(code) or _UNKNOWN_LINK
        if cached is None:
            cached = _load_link_target(code) or _UNKNOWN_LINK
            with contextlib.suppress(RedisError):
                shared_cache().set(key, cached, settings.CLICK_LINK_CACHE_SECONDS)
        if len(_local_links) >= _LOCAL_LINK_CACHE_SIZE:
            _local_links.clear()
        _local_links[code] = (now + LOCAL_LINK_CACHE_SECONDS, cached)
    return None if cached == _UNKNOWN_LINK else cached


def forget_links(queryset) -> int:
    """Drop the cached targets of the tracking links in ``queryset``; return how many."""
    codes = list(queryset.values_list("code", flat=True))
    for code in codes:
        _local_links.pop(code, None)
    for start in range(0, len(codes), 500):
        shared_cache().delete_many([_link_cache_key(code) for code in codes[start : start + 500]])
    return len(codes)


# NOTE: edits that publish no event (an enrollment set to removed, a new landing URL,
# end date or audience) reach the redirect only when the cache entry expires, after
# HEXA_CLICK_LINK_CACHE_SECONDS at most.
@subscribe("campaign.launched", "campaign.paused", "campaign.completed", "campaign.cancelled")
def forget_campaign_links(event) -> None:
    """Make the redirect see a campaign's new status at once instead of after the cache TTL."""
    campaign_id = event.payload["campaign_id"]
    count = forget_links(TrackingLink.objects.filter(enrollment__campaign_id=campaign_id))
    logger.info("forgot %s cached links of campaign %s after %s", count, campaign_id, event.type)


@subscribe("enrollment.approved")
def forget_enrollment_link(event) -> None:
    """Drop the cached target of a newly approved enrollment's link."""
    forget_links(TrackingLink.objects.filter(enrollment_id=event.payload["enrollment_id"]))


@subscribe("partner.activated", "partner.suspended", "partner.terminated")
def forget_partner_links(event) -> None:
    """Make the redirect see a partner's new status at once instead of after the cache TTL."""
    partner_id = event.payload["partner_id"]
    count = forget_links(TrackingLink.objects.filter(enrollment__partner_id=partner_id))
    logger.info("forgot %s cached links of partner %s after %s", count, partner_id, event.type)


# Visitor ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserAgentInfo:
    device: str
    is_bot: bool


# Link-preview fetchers that identify themselves without a generic bot word.
_PREVIEW_FETCHERS = re.compile(
    r"slackbot|slack-imgproxy|facebookexternalhit|facebookcatalog|whatsapp|twitterbot|"
    r"telegrambot|discordbot|linkedinbot|googlebot|bingbot|skypeuripreview|pinterest|"
    r"redditbot|embedly|iframely|vkshare|applebot|mastodon|bluesky|snapchat|viber",
    re.IGNORECASE,
)
_crawler_detect = CrawlerDetect()
_MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Symbian OS"})
_DESKTOP_OS = frozenset(
    {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "FreeBSD", "Debian"}
)


@functools.lru_cache(maxsize=4096)
def classify_user_agent(user_agent: str) -> UserAgentInfo:
    """Return the device family and bot flag of a user agent; the same few repeat."""
    if not user_agent:
        return UserAgentInfo(device=Click.Device.OTHER, is_bot=False)
    parsed = parse_user_agent(user_agent)
    device_family = parsed.device.family if parsed.device else ""
    os_family = parsed.os.family if parsed.os else ""
    if (
        device_family == "Spider"
        or _PREVIEW_FETCHERS.search(user_agent)
        or _crawler_detect.isCrawler(user_agent)
    ):
        return UserAgentInfo(device=Click.Device.BOT, is_bot=True)
    lowered = user_agent.lower()
    if (
        device_family == "iPad"
        or "tablet" in lowered
        or "kindle" in lowered
        or (os_family == "Android" and "mobile" not in lowered)
    ):
        device = Click.Device.TABLET
    elif os_family in _MOBILE_OS or "mobile" in lowered:
        device = Click.Device.MOBILE
    elif os_family in _DESKTOP_OS:
        device = Click.Device.DESKTOP
    else:
        device = Click.Device.OTHER
    return UserAgentInfo(device=device, is_bot=False)


@functools.lru_cache(maxsize=8)
def _trusted_networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted_proxy(address: str) -> bool:
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> tuple[str, bool]:
    """Return the visitor's IP address and whether a trusted proxy relayed the request.

    Behind trusted proxies the address is the right-most ``X-Forwarded-For`` entry that
    is not itself a trusted proxy. Entries to its left are set by the client, so they
    are ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted_proxy(remote):
        return remote, False
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _is_trusted_proxy(hop):
            return hop, True
    return remote, True


def client_country(request: HttpRequest, *, from_trusted_proxy: bool) -> str:
    """Return the ISO country code the trusted proxy header gives, or an empty string."""
    header = settings.TRUSTED_COUNTRY_HEADER
    if not header or not from_trusted_proxy:
        return ""
    meta_key = "HTTP_" + header.upper().replace("-", "_")
    value = request.META.get(meta_key, "").strip().upper()
    # XX is the code proxies such as Cloudflare send when they do not know the country.
    if not _COUNTRY_CODE.fullmatch(value) or value == "XX":
        return ""
    return value


@functools.lru_cache(maxsize=1024)
def _accepted_languages(header: str) -> tuple[str, ...]:
    languages = []
    for tag, quality in parse_accept_lang_header(header[:512]):
        primary = tag.split("-")[0].lower()
        if quality > 0 and primary != "*" and primary not in languages:
            languages.append(primary[:8])
    return tuple(languages)


@functools.lru_cache(maxsize=4)
def _daily_salt(secret_key: str, day: str) -> bytes:
    return hmac.new(secret_key.encode(), b"click-ip-salt:" + day.encode(), "sha256").digest()


def hash_ip(address: str, *, now: dt.datetime) -> str:
    """Return the HMAC-SHA256 of an IP address under the salt of ``now``'s UTC date."""
    day = now.astimezone(dt.UTC).date().isoformat()
    return hmac.new(_daily_salt(settings.SECRET_KEY, day), address.encode(), "sha256").hexdigest()


def _unique_key(link_id: int, address: str, user_agent: str) -> str:
    # This key does not rotate at midnight, so a window spanning 00:00 UTC still matches.
    # It lives in the cache only for the window and never reaches the database.
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"click-seen:{address}\n{user_agent}".encode(),
        hashlib.sha256,
    ).hexdigest()[:32]
    return f"{UNIQUE_CACHE_PREFIX}{link_id}:{digest}"


def is_first_click(target: LinkTarget, address: str, user_agent: str) -> bool:
    """Return whether this visitor has not clicked the link within the campaign's window.

    The cache's ``add`` is one ``SET NX EX`` on Redis, and the same code works on the
    local-memory cache.
    """
    if target.unique_window_hours <= 0:
        return True
    key = _unique_key(target.link_id, address, user_agent)
    try:
        return shared_cache().add(key, 1, target.unique_window_hours * 3600)
    except RedisError as exc:
        _warn_cache_unavailable(exc)
        return False


def _bounded_sub_ids(target: LinkTarget, query) -> dict[str, str]:
    sub_ids = {
        key: str(value)[:SUB_ID_MAX_LENGTH]
        for key, value in target.default_sub_ids.items()
        if key in SUB_ID_KEYS
    }
    for key in SUB_ID_KEYS:
        value = query.get(key)
        if value:
            sub_ids[key] = value[:SUB_ID_MAX_LENGTH]
    return sub_ids


def _referrer_domain(request: HttpRequest) -> str:
    referrer = request.META.get("HTTP_REFERER", "")
    if not referrer:
        return ""
    try:
        host = urlsplit(referrer[:2048]).hostname or ""
    except ValueError:
        return ""
    return host.lower()[:255]


def _is_targeted(target: LinkTarget, *, country: str, device: str, languages) -> bool:
    # An audience rule the request cannot prove (no trusted country header, no
    # Accept-Language) counts as not met: such clicks must not be billed.
    if target.countries and country not in target.countries:
        return False
    if target.devices and device not in target.devices:
        return False
    return not target.languages or any(lang in target.languages for lang in languages)


# Destination ------------------------------------------------------------------


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def safe_deep_link(target: LinkTarget, requested: str) -> str | None:
    """Return ``requested`` rebuilt from its parts when the campaign allows it, else ``None``.

    Beyond ``Campaign.allows_destination`` this rejects what browsers and Python parse
    differently (backslashes, whitespace, control characters, user info) and ports
    other than the scheme's default, and it lower-cases and IDNA-encodes the host.
    """
    if not requested or len(requested) > 2000:
        return None
    if any(char == "\\" or char.isspace() or ord(char) < 0x20 for char in requested):
        return None
    try:
        parts = urlsplit(requested)
        port = parts.port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    if port is not None and port != _default_port(parts.scheme):
        return None
    campaign = Campaign(
        landing_url=target.landing_url, allowed_domains=list(target.allowed_domains)
    )
    if not campaign.allows_destination(requested):
        return None
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def with_click_id(url: str, click_id: uuid.UUID) -> str:
    """Append ``hxb_click=<id>`` to ``url``, keeping its other query parameters as sent."""
    parts = urlsplit(url)
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and pair.split("=", 1)[0] != CLICK_ID_PARAMETER
    ]
    kept.append(f"{CLICK_ID_PARAMETER}={click_id}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), parts.fragment))


# Handling one click -----------------------------------------------------------


def _click_outcome(request, target: LinkTarget, click: Click, languages, now) -> str:
    if not target.is_active(now):
        return Click.Outcome.INACTIVE
    if click.is_bot or request.method == "HEAD":
        # Previews go to the real destination so the shared link shows the right card.
        return Click.Outcome.PREVIEW
    if not _is_targeted(target, country=click.country, device=click.device, languages=languages):
        return Click.Outcome.NOT_TARGETED
    return Click.Outcome.REDIRECTED


def handle_click(request: HttpRequest, code: str) -> str:
    """Record the click on ``code`` and return the URL to redirect the visitor to."""
    now = timezone.now()
    address, from_trusted_proxy = client_address(request)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
    agent = classify_user_agent(user_agent)
    languages = _accepted_languages(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    click = Click(
        created_at=now,
        code=code[:CODE_MAX_LENGTH],
        ip_hash=hash_ip(address, now=now),
        user_agent=user_agent,
        device=agent.device,
        country=client_country(request, from_trusted_proxy=from_trusted_proxy),
        language=languages[0] if languages else "",
        referrer_domain=_referrer_domain(request),
        is_bot=agent.is_bot,
    )

    target = get_link_target(code)
    if target is None:
        click.outcome = Click.Outcome.UNKNOWN_LINK
        record_click(click)
        return settings.CLICK_FALLBACK_URL

    click.link_id = target.link_id
    click.campaign_id = target.campaign_id
    click.partner_id = target.partner_id
    click.sub_ids = _bounded_sub_ids(target, request.GET)
    click.outcome = _click_outcome(request, target, click, languages, now)
    if click.outcome == Click.Outcome.REDIRECTED:
        click.is_unique = is_first_click(target, address, user_agent)
        click.is_billable = True
    record_click(click)

    if click.outcome not in (Click.Outcome.PREVIEW, Click.Outcome.REDIRECTED):
        return settings.CLICK_FALLBACK_URL
    requested = request.GET.get(DEEP_LINK_PARAMETER, "")
    deep_link = safe_deep_link(target, requested) if requested else None
    destination = deep_link or target.destination_url or target.landing_url
    return with_click_id(destination, click.id)


# Recording --------------------------------------------------------------------

BUFFER_KEY = "hexa:clicks:pending"
CLAIMED_KEY = "hexa:clicks:claimed"
FLUSH_SCHEDULED_KEY = "hexa:clicks:flush-scheduled"
FLUSH_BATCH_SIZE = 500
FLUSH_DELAY_SECONDS = 1
# A claimed batch older than this belongs to a flush that died; the next flush redoes it.
CLAIM_TIMEOUT_SECONDS = 60

# Move up to ARGV[1] clicks from the pending list to a new claimed list, and remember
# the claim with its time so a later flush can redo it if this one dies.
_CLAIM_SCRIPT = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return 0 end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[2], unpack(items))
redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
return #items
"""

_BUFFERED_FIELDS = (
    "code",
    "outcome",
    "ip_hash",
    "user_agent",
    "device",
    "country",
    "language",
    "referrer_domain",
    "sub_ids",
    "is_bot",
    "is_unique",
    "is_billable",
    "link_id",
    "campaign_id",
    "partner_id",
)


def _redis_client():
    return shared_cache()._cache.get_client(write=True)


def _uses_buffer() -> bool:
    return settings.CLICK_RECORDING == "buffer" and bool(settings.REDIS_URL)


@functools.lru_cache(maxsize=4)
def _insert_sql(vendor: str, *, synchronous: bool) -> str:
    fields = Click._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(Click._meta.db_table)
    insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    if synchronous:
        return insert
    # PostgreSQL runs a multi-statement query as one transaction, so SET LOCAL
    # covers the INSERT alone and the click costs a single round trip.
    return "SET LOCAL synchronous_commit TO OFF; " + insert


def _insert_click(click: Click) -> None:
    # Same columns and defaults as Click.save(force_insert=True), which no signal
    # receiver watches. Under cProfile, skipping the query compiler halved its CPU.
    synchronous = settings.CLICK_SYNCHRONOUS_COMMIT
    if connection.vendor != "postgresql" or (
        not synchronous and connection.settings_dict["OPTIONS"].get("server_side_binding")
    ):
        click.save(force_insert=True)
        return
    # Without the synchronous commit, the commit returns before its WAL record reaches
    # the disk. A dead web or Celery worker loses nothing. A crash of the PostgreSQL
    # server itself can lose the clicks of its last few hundred milliseconds (three
    # times wal_writer_delay at most), but never leaves a partial row.
    values = [
        field.get_db_prep_save(field.pre_save(click, add=True), connection)
        for field in Click._meta.concrete_fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor, synchronous=synchronous), values)
    click._state.adding = False
    click._state.db = connection.alias


def _request_fold() -> None:
    try:
        schedule_fold()
    except RedisError as exc:
        # The beat job folds every few seconds, so metrics are only late.
        _warn_cache_unavailable(exc)


def record_click(click: Click) -> None:
    """Store one click: insert it now, or push it to the Redis buffer in buffer mode."""
    if not _uses_buffer():
        _insert_click(click)
        _request_fold()
        return
    data = {name: getattr(click, name) for name in _BUFFERED_FIELDS}
    data["id"] = str(click.id)
    data["created_at"] = click.created_at.isoformat()
    pipeline = _redis_client().pipeline(transaction=False)
    pipeline.rpush(BUFFER_KEY, json.dumps(data, separators=(",", ":")))
    pipeline.set(FLUSH_SCHEDULED_KEY, 1, nx=True, ex=FLUSH_DELAY_SECONDS)
    try:
        pending, first_since_flush = pipeline.execute()
    except RedisError as exc:
        _warn_cache_unavailable(exc)
        _insert_click(click)
        return
    # One round trip: the flag set with NX queues at most one flush per delay across
    # all web processes, and a full batch queues one at once.
    try:
        if first_since_flush:
            flush_click_buffer_task.apply_async(countdown=FLUSH_DELAY_SECONDS)
        elif pending % FLUSH_BATCH_SIZE == 0:
            flush_click_buffer_task.apply_async()
    except Exception:
        # The click is safe in Redis; clearing the flag lets the next click queue the flush.
        _redis_client().delete(FLUSH_SCHEDULED_KEY)
        logger.warning("click buffer flush not queued; %s clicks wait", pending, exc_info=True)


def _click_from_buffer(raw: bytes) -> Click:
    data = json.loads(raw)
    data["id"] = uuid.UUID(data["id"])
    data["created_at"] = dt.datetime.fromisoformat(data["created_at"])
    return Click(**data)


def _insert_claimed(client, claim_key: str) -> int:
    clicks = [_click_from_buffer(raw) for raw in client.lrange(claim_key, 0, -1)]
    with transaction.atomic():
        # A redone claim may find some clicks already inserted; the id skips them.
        Click.objects.bulk_create(clicks, ignore_conflicts=True)
    client.delete(claim_key)
    client.zrem(CLAIMED_KEY, claim_key)
    return len(clicks)


def flush_click_buffer(*, max_batches: int = 200) -> int:
    """Insert buffered clicks as Click rows (folded=False); return how many were inserted."""
    client = _redis_client()
    inserted = 0
    stale_before = time.time() - CLAIM_TIMEOUT_SECONDS
    for claim_key in client.zrangebyscore(CLAIMED_KEY, "-inf", stale_before):
        logger.warning("redoing click batch %s left by a flush that stopped", claim_key)
        inserted += _insert_claimed(client, claim_key.decode())
    claim = client.register_script(_CLAIM_SCRIPT)
    for _batch in range(max_batches):
        claim_key = f"{BUFFER_KEY}:claim:{uuid.uuid4().hex}"
        moved = claim(
            keys=[BUFFER_KEY, claim_key, CLAIMED_KEY], args=[FLUSH_BATCH_SIZE, time.time()]
        )
        if not moved:
            break
        inserted += _insert_claimed(client, claim_key)
    else:
        # More than max_batches were waiting: queue another flush rather than run on.
        flush_click_buffer_task.apply_async()
    return inserted


@shared_task(name="campaigns.tracking.flush_click_buffer", queue="ingest", acks_late=True)
def flush_click_buffer_task() -> int:
    """Insert the clicks waiting in the Redis buffer."""
    if not _uses_buffer():
        return 0
    inserted = flush_click_buffer()
    if inserted:
        schedule_fold()
    return inserted
