"""Live campaign metrics: KPI snapshots pushed to WebSocket groups, coalesced and throttled.

Ingestion calls ``campaigns_changed(ids)`` after each committed fold. That call only marks
each campaign dirty in the cache and, when no send window is open for the campaign, opens
one (``cache.add``, so one process in the whole deployment wins) and queues the campaign
on this process's flusher. The flusher is one daemon thread per process. For each
campaign that falls due it clears the dirty mark, reads the buckets once and takes the
next version (``cache.incr``). It then sends one ``group_send`` to the staff group and
one to each enrolled partner's slice group, whatever the number of viewers. One interval
later it checks the campaign again: when more changes arrived meanwhile it sends once
more, and otherwise it closes the window. So a campaign gets its first snapshot at once
and then at most one per ``LIVE_METRICS_INTERVAL_MS`` (1 s by default).

The same code serves both runtime modes:

- embedded (in-memory channel layer, eager tasks): ingestion runs in the web process, so
  the flusher thread runs there too. The in-memory layer's queues belong to the server's
  event loop, so the flusher hands each send to that loop, which consumers register when
  they connect.
- full stack (channels-redis, Celery workers apart from the web processes): the ingest
  worker that folded the rows runs the flusher and sends through Redis from a private
  event loop; the web processes only relay group messages to their sockets.

NOTE: a process that dies inside a window loses at most that window's last send. The
window key expires after a few intervals, and the next change or a client's reconnect
(which refetches over HTTP) brings the page up to date again.

Each snapshot carries the campaign's version, so a client that sees a gap refetches the
snapshot over HTTP (``snapshot_for_staff`` and ``snapshot_for_partner``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Sum
from django.utils import timezone

from campaigns import kpis
from campaigns.models import Campaign, Enrollment, MetricBucket
from partners.models import Partner

logger = logging.getLogger(__name__)

HOURS_IN_SERIES = 24
_DIRTY_TIMEOUT = 600
# A window outlives its interval so a slow flush keeps it, yet a dead process frees it soon.
_WINDOW_INTERVALS = 5
_SEND_TIMEOUT = 10


# Group names and cache keys.


def staff_group(campaign_id: int) -> str:
    return f"campaign.{campaign_id}.live.staff"


def partner_group(campaign_id: int, partner_id: int) -> str:
    return f"campaign.{campaign_id}.live.partner.{partner_id}"


def _dirty_key(campaign_id: int) -> str:
    return f"live:dirty:{campaign_id}"


def _window_key(campaign_id: int) -> str:
    return f"live:window:{campaign_id}"


def _version_key(campaign_id: int) -> str:
    return f"live:version:{campaign_id}"


def interval_seconds() -> float:
    return settings.LIVE_METRICS_INTERVAL_MS / 1000


def current_version(campaign_id: int) -> int:
    """Return the version of the campaign's latest snapshot; 0 before the first."""
    return int(cache.get(_version_key(campaign_id), 0))


def _next_version(campaign_id: int) -> int:
    # A counter lost to eviction or a cache restart starts again from the clock in
    # milliseconds. Versions advance once per flush, and flushes are at least
    # LIVE_METRICS_INTERVAL_MS apart, so the counter never overtakes the clock and the
    # new versions stay above every version that viewers already received.
    key = _version_key(campaign_id)
    cache.add(key, time.time_ns() // 1_000_000, timeout=None)
    try:
        return cache.incr(key)
    except ValueError:
        # The key was evicted between add and incr.
        cache.add(key, time.time_ns() // 1_000_000, timeout=None)
        return cache.incr(key)


# Reading the buckets. The ratios come from campaigns.kpis, the one KPI definition.

_SUMS = {
    "clicks": Sum("clicks"),
    "unique_clicks": Sum("unique_clicks"),
    "conversions": Sum("conversions"),
    "revenue": Sum("revenue"),
    "payout": Sum("payout"),
}


@dataclass
class _Totals:
    clicks: int = 0
    unique_clicks: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal("0")
    payout: Decimal = Decimal("0")

    def add(self, row: dict) -> None:
        self.clicks += row["clicks"] or 0
        self.unique_clicks += row["unique_clicks"] or 0
        self.conversions += row["conversions"] or 0
        self.revenue += row["revenue"] or Decimal("0")
        self.payout += row["payout"] or Decimal("0")

    def as_kpis(self) -> dict:
        conversion_rate = kpis.conversion_rate(conversions=self.conversions, clicks=self.clicks)
        epc = kpis.epc(payout=self.payout, clicks=self.clicks)
        return {
            "clicks": self.clicks,
            "unique_clicks": self.unique_clicks,
            "conversions": self.conversions,
            "revenue": _money(self.revenue),
            "payout": _money(self.payout),
            "conversion_rate": _decimal_text(conversion_rate),
            "epc": _decimal_text(epc),
        }


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _money(value: Decimal) -> str:
    # SQLite returns sums without the column's scale, so format it the same on every database.
    return f"{value:.2f}"


@dataclass
class _Slice:
    totals: _Totals = field(default_factory=_Totals)
    hours: dict[datetime, _Totals] = field(default_factory=dict)

    def add_hour(self, hour: datetime, row: dict) -> None:
        self.hours.setdefault(hour, _Totals()).add(row)


def _series_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS_IN_SERIES - 1)


def _read_slices(campaign_id: int, *, partner_id: int | None, now: datetime) -> dict[int, _Slice]:
    """Return every partner's totals and hourly series for the campaign, from two queries."""
    buckets = MetricBucket.objects.filter(campaign_id=campaign_id)
    if partner_id is not None:
        buckets = buckets.filter(partner_id=partner_id)
    slices: dict[int, _Slice] = {}
    for row in buckets.order_by().values("partner_id").annotate(**_SUMS):
        slices.setdefault(row["partner_id"], _Slice()).totals.add(row)
    recent = buckets.filter(hour__gte=_series_start(now)).order_by()
    for row in recent.values("partner_id", "hour").annotate(**_SUMS):
        slices.setdefault(row["partner_id"], _Slice()).add_hour(row["hour"], row)
    return slices


def _series(hours: dict[datetime, _Totals], now: datetime) -> list[dict]:
    start = _series_start(now)
    points = []
    for offset in range(HOURS_IN_SERIES):
        hour = start + timedelta(hours=offset)
        totals = hours.get(hour, _Totals())
        points.append(
            {
                "hour": hour.isoformat(),
                "clicks": totals.clicks,
                "conversions": totals.conversions,
                "revenue": _money(totals.revenue),
                "payout": _money(totals.payout),
            }
        )
    return points


def _merge(slices: Iterable[_Slice]) -> _Slice:
    merged = _Slice()
    for part in slices:
        merged.totals.add(vars(part.totals))
        for hour, totals in part.hours.items():
            merged.add_hour(hour, vars(totals))
    return merged


def _snapshot(campaign: Campaign, part: _Slice, *, scope: str, version: int, now: datetime):
    return {
        "type": "snapshot",
        "campaign_id": campaign.pk,
        "scope": scope,
        "version": version,
        "currency": campaign.currency,
        "generated_at": now.isoformat(),
        "kpis": part.totals.as_kpis(),
        "hourly": _series(part.hours, now),
    }


def enrolled_campaign(*, campaign_id: int, partner_id: int) -> Campaign | None:
    """Return the campaign when the partner's enrollment in it is approved, else None."""
    return Campaign.objects.filter(
        pk=campaign_id,
        enrollments__partner_id=partner_id,
        enrollments__status=Enrollment.Status.APPROVED,
    ).first()


def _approved_partners(campaign_id: int) -> dict[int, str]:
    enrollments = Enrollment.objects.filter(
        campaign_id=campaign_id, status=Enrollment.Status.APPROVED
    ).select_related("partner")
    return {e.partner_id: _partner_name(e.partner) for e in enrollments}


def _partner_name(partner: Partner) -> str:
    return partner.display_name or partner.legal_name


def _staff_snapshot(campaign, slices, partners, *, version, now) -> dict:
    snapshot = _snapshot(campaign, _merge(slices.values()), scope="staff", version=version, now=now)
    # Partners whose enrollment ended still have buckets; name them too.
    names = dict(partners)
    former = set(slices) - set(names)
    if former:
        names.update({p.pk: _partner_name(p) for p in Partner.objects.filter(pk__in=former)})
    rows = []
    for partner_id in sorted(names):
        part = slices.get(partner_id, _Slice())
        rows.append({"partner_id": partner_id, "name": names[partner_id], **part.totals.as_kpis()})
    rows.sort(key=lambda row: (-Decimal(row["revenue"]), -row["clicks"], row["name"]))
    snapshot["partners"] = rows
    return snapshot


def snapshot_for_staff(campaign: Campaign) -> dict:
    """Return the whole campaign's snapshot with a per-partner breakdown, at the current version."""
    version = current_version(campaign.pk)
    now = timezone.now()
    slices = _read_slices(campaign.pk, partner_id=None, now=now)
    partners = _approved_partners(campaign.pk)
    return _staff_snapshot(campaign, slices, partners, version=version, now=now)


def snapshot_for_partner(campaign: Campaign, partner_id: int) -> dict:
    """Return one partner's slice of the campaign, at the current version."""
    version = current_version(campaign.pk)
    now = timezone.now()
    part = _read_slices(campaign.pk, partner_id=partner_id, now=now).get(partner_id, _Slice())
    return _snapshot(campaign, part, scope="partner", version=version, now=now)


def build_messages(campaign_id: int) -> list[tuple[str, dict]]:
    """Take the campaign's next version and return (group, snapshot) pairs for every group."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return []
    now = timezone.now()
    slices = _read_slices(campaign_id, partner_id=None, now=now)
    partners = _approved_partners(campaign_id)
    version = _next_version(campaign_id)
    staff = _staff_snapshot(campaign, slices, partners, version=version, now=now)
    messages = [(staff_group(campaign_id), staff)]
    for partner_id in partners:
        part = slices.get(partner_id, _Slice())
        snapshot = _snapshot(campaign, part, scope="partner", version=version, now=now)
        messages.append((partner_group(campaign_id, partner_id), snapshot))
    return messages


# Sending.

_server_loop: asyncio.AbstractEventLoop | None = None


def use_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Send from this process on ``loop``, the loop the WebSocket consumers run on."""
    global _server_loop
    _server_loop = loop


async def _group_send_all(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    for group, snapshot in messages:
        await layer.group_send(group, {"type": "live.snapshot", "snapshot": snapshot})


class _Flusher:
    """One daemon thread per process that sends the snapshots of campaigns as they fall due."""

    def __init__(self) -> None:
        self._due: dict[int, float] = {}
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def schedule(self, campaign_id: int, *, delay: float) -> None:
        due = time.monotonic() + delay
        with self._condition:
            self._start_if_needed()
            if campaign_id not in self._due or due < self._due[campaign_id]:
                self._due[campaign_id] = due
            self._condition.notify()

    def _start_if_needed(self) -> None:
        # A forked worker child inherits the object but not the thread.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._loop = None
        self._thread = threading.Thread(target=self._run, name="live-metrics", daemon=True)
        self._thread.start()

    def _take_due(self) -> list[int]:
        with self._condition:
            while True:
                now = time.monotonic()
                ready = [cid for cid, due in self._due.items() if due <= now]
                if ready:
                    for campaign_id in ready:
                        del self._due[campaign_id]
                    return ready
                timeout = min(self._due.values()) - now if self._due else None
                self._condition.wait(timeout)

    def _run(self) -> None:
        while True:
            ready = self._take_due()
            for campaign_id in ready:
                try:
                    self._check(campaign_id)
                except Exception:
                    logger.exception("live metrics flush of campaign %s failed", campaign_id)
                    _delete_quietly(_window_key(campaign_id))
            connections.close_all()

    def _check(self, campaign_id: int) -> None:
        if cache.delete(_dirty_key(campaign_id)):
            self.send(build_messages(campaign_id))
            cache.set(_window_key(campaign_id), 1, timeout=_window_timeout())
            self.schedule(campaign_id, delay=interval_seconds())
            return
        cache.delete(_window_key(campaign_id))
        # A change that landed after the dirty check saw the window still open and left
        # the send to us, so look once more now that the window is closed.
        if cache.get(_dirty_key(campaign_id)) and cache.add(
            _window_key(campaign_id), 1, timeout=_window_timeout()
        ):
            self.schedule(campaign_id, delay=0)

    def send(self, messages: list[tuple[str, dict]]) -> None:
        if not messages:
            return
        loop = _server_loop
        if loop is not None and loop.is_running():
            future = asyncio.run_coroutine_threadsafe(_group_send_all(messages), loop)
            future.result(timeout=_SEND_TIMEOUT)
            return
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(
            asyncio.wait_for(_group_send_all(messages), timeout=_SEND_TIMEOUT)
        )


_flusher = _Flusher()


def _window_timeout() -> int:
    return max(1, round(_WINDOW_INTERVALS * interval_seconds()))


def _delete_quietly(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        logger.exception("could not delete cache key %s", key)


def campaigns_changed(campaign_ids: Iterable[int]) -> None:
    """Tell live dashboards that these campaigns' metrics changed.

    Ingestion calls this after each committed fold. It returns at once and never raises:
    the flusher thread sends the snapshots, coalesced and at most one per interval.
    """
    try:
        for campaign_id in sorted({int(campaign_id) for campaign_id in campaign_ids}):
            cache.set(_dirty_key(campaign_id), 1, timeout=_DIRTY_TIMEOUT)
            if cache.add(_window_key(campaign_id), 1, timeout=_window_timeout()):
                _flusher.schedule(campaign_id, delay=0)
    except Exception:
        logger.exception("could not mark campaigns %s as changed", campaign_ids)
