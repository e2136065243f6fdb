"""Replay a day of tracking traffic against a running server on 127.0.0.1, sped up.

Run from the repository root, in the same environment as the server (so both use
the same database): ``.venv/bin/python bench/replay_day.py --url http://127.0.0.1:8000``.

The script creates one active campaign with ``--partners`` enrolled partners through
the services, then sends a day of traffic compressed ``--speed`` times (the default
720 plays 24 hours in 2 minutes). Clicks follow a daily curve in the campaign's time
zone, quiet at night and busiest in the evening. Among them are bots, link-preview
fetchers, HEAD requests and visitors who click twice. About 2 % of human visitors
convert through ``/postback`` some minutes later with the ``hxb_click`` id their
landing page received. A few postbacks are sent twice, and a few conversions are
refunded. The baseline is ``GET /health/``, requested by the same client
throughout the run.

It prints the events sent, the status codes received and the achieved rate against
the schedule's rate. It also prints the p50 and p99 latency of clicks and postbacks
with their ratio to the baseline's, and how long after the last event the hourly
buckets matched the recorded rows. At the end it deletes the campaign and partners it created, which
removes their clicks, conversions and buckets.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import math
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
DAY_SECONDS = 24 * 3600
# Relative click volume per local hour: quiet at night, busiest around 20:00.
HOURLY_WEIGHTS = [2, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 7, 6, 6, 7, 8, 9, 10, 11, 10, 7, 4]
BOT_AGENTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0",
    "python-requests/2.31",
]
HUMAN_AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36 visitor/{}"
MAX_FOLD_WAIT_SECONDS = 60


@dataclass(order=True)
class Event:
    due: float
    kind: str = field(compare=False)
    payload: dict = field(compare=False, default_factory=dict)


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    sent: Counter = field(default_factory=Counter)

    def record(self, kind: str, status: int, seconds: float | None) -> None:
        """Count one response; a failed connection has status 0 and no latency."""
        with self.lock:
            self.sent[kind] += 1
            self.statuses[(kind, status)] += 1
            if seconds is not None:
                self.latencies[kind].append(seconds)


def _report(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Client:
    """One keep-alive HTTP connection per thread to the server under test."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.local = threading.local()

    def request(self, method: str, path: str, headers: dict) -> tuple[int, dict]:
        for attempt in range(2):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
                self.local.connection = connection
            try:
                connection.request(method, path, headers=headers)
                response = connection.getresponse()
                response.read()
                return response.status, dict(response.getheaders())
            except (OSError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def _seed(partners: int):
    """Create an active campaign and its enrolled partners; return (campaign, links, ids)."""
    from campaigns import services
    from partners.models import Partner
    from tests.factories import colombian_nit

    suffix = uuid.uuid4().hex[:8]
    campaign = services.create_campaign(
        actor=None,
        name=f"Replay {suffix}",
        kind="cpa",
        currency="COP",
        landing_url="https://shop.example.com/replay",
        payout_amount="5000.00",
        min_click_to_conversion_seconds=0,
        max_conversions_per_ip_per_day=100000,
    )
    campaign = services.launch_campaign(campaign=campaign, actor=None)
    links, partner_ids = [], []
    base = random.Random(suffix).randrange(100_000, 900_000)
    for n in range(partners):
        partner = Partner.objects.create(
            legal_name=f"Replay partner {suffix} {n}",
            display_name=f"Replay {n}",
            kind=Partner.Kind.AFFILIATE,
            country="CO",
            tax_id=colombian_nit(base + n),
            email=f"replay-{suffix}-{n}@example.com",
            status=Partner.Status.ACTIVE,
        )
        enrollment = services.invite_partner(campaign=campaign, partner=partner, actor=None)
        links.append(enrollment.link.code)
        partner_ids.append(partner.pk)
    return campaign, links, partner_ids


def _schedule(clicks: int, speed: float, rng: random.Random) -> list[Event]:
    """Return the click events of the day, each due at its sped-up second."""
    total_weight = sum(HOURLY_WEIGHTS)
    events = []
    for hour, weight in enumerate(HOURLY_WEIGHTS):
        for _ in range(round(clicks * weight / total_weight)):
            second = hour * 3600 + rng.random() * 3600
            events.append(Event(due=second / speed, kind="click"))
    return events


def _click_payload(
    rng: random.Random, visitors: list[tuple[str, str, str]], link: str
) -> tuple[str, dict]:
    roll = rng.random()
    sub = f"sub1=post{rng.randrange(20)}"
    if roll < 0.05:
        return "GET", {"agent": rng.choice(BOT_AGENTS), "path": f"/t/{link}?{sub}"}
    if roll < 0.07:
        return "HEAD", {"agent": HUMAN_AGENT.format(rng.randrange(10**9)), "path": f"/t/{link}"}
    if roll < 0.17 and visitors:
        # The same visitor clicks the same link again: same user agent, address and link,
        # so the click is not unique.
        agent, seen_link, address = rng.choice(visitors)
        return "GET", {"agent": agent, "path": f"/t/{seen_link}?{sub}", "address": address}
    agent = HUMAN_AGENT.format(rng.randrange(10**9))
    address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.7"
    visitors.append((agent, link, address))
    return "GET", {"agent": agent, "path": f"/t/{link}?{sub}", "address": address, "human": True}


def _replay(arguments, campaign, links) -> tuple[Tally, float, float]:
    host, port = arguments.host, arguments.port
    client = Client(host, port)
    tally = Tally()
    rng = random.Random(arguments.seed)
    heap = _schedule(arguments.clicks, arguments.speed, rng)
    # Baseline requests, spread over the whole run.
    run_seconds = DAY_SECONDS / arguments.speed
    heap += [Event(due=run_seconds * n / 200, kind="health") for n in range(200)]
    heapq.heapify(heap)
    heap_lock = threading.Lock()
    visitors: list[tuple[str, str, str]] = []
    secret = campaign.postback_secret

    def push(event: Event) -> None:
        with heap_lock:
            heapq.heappush(heap, event)

    def fire(event: Event, started: float) -> None:
        try:
            send(event, started)
        except (OSError, http.client.HTTPException):
            tally.record(event.kind, 0, None)

    def send(event: Event, started: float) -> None:
        headers = {"Host": f"{host}:{port}"}
        if event.kind == "health":
            moment = time.perf_counter()
            status, _headers = client.request("GET", "/health/", headers)
            tally.record("health", status, time.perf_counter() - moment)
            return

        if event.kind == "click":
            with heap_lock:
                method, payload = _click_payload(rng, visitors, rng.choice(links))
            headers["User-Agent"] = payload["agent"]
            # The server reads this header only when HEXA_TRUSTED_PROXIES trusts 127.0.0.1.
            headers["X-Forwarded-For"] = payload.get(
                "address", f"10.{rng.randrange(256)}.{rng.randrange(256)}.7"
            )
            moment = time.perf_counter()
            status, response_headers = client.request(method, payload["path"], headers)
            tally.record("click", status, time.perf_counter() - moment)
            location = response_headers.get("Location", "")
            click_id = parse_qs(urlsplit(location).query).get("hxb_click", [""])[0]
            if payload.get("human") and click_id and rng.random() < arguments.conversion_rate:
                # Conversions come 1 to 60 minutes of day time after the click.
                delay = rng.uniform(60, 3600) / arguments.speed
                due = time.perf_counter() - started + delay
                push(Event(due=due, kind="postback", payload={"click_id": click_id}))
            return

        params = {
            "campaign": campaign.pk,
            "transaction_id": event.payload.get("transaction_id") or uuid.uuid4().hex,
            "click_id": event.payload["click_id"],
            "amount": event.payload.get("amount") or f"{rng.randrange(50_000, 400_000)}.00",
            "currency": "COP",
            "event": event.payload.get("event", "conversion"),
            "token": secret,
        }
        moment = time.perf_counter()
        status, _headers = client.request("GET", "/postback?" + urlencode(params), headers)
        tally.record(f"postback:{params['event']}", status, time.perf_counter() - moment)
        if params["event"] != "conversion" or event.payload.get("repeat"):
            return

        # A few conversions are reported twice, and a few are refunded later.
        now = time.perf_counter() - started
        follow = dict(event.payload, transaction_id=params["transaction_id"])
        follow["amount"] = params["amount"]
        if rng.random() < 0.05:
            duplicate = follow | {"repeat": 1}
            push(Event(due=now + 5 / arguments.speed, kind="postback", payload=duplicate))
        if rng.random() < 0.03:
            refund = follow | {"event": "refund", "repeat": 1}
            refund_due = now + rng.uniform(600, 7200) / arguments.speed
            push(Event(due=refund_due, kind="postback", payload=refund))

    deadline = run_seconds * 1.5 + 30
    started = time.perf_counter()
    in_flight: set = set()
    with ThreadPoolExecutor(max_workers=arguments.workers) as pool:
        while True:
            elapsed = time.perf_counter() - started
            if elapsed > deadline:
                _report("Deadline reached; events still queued are dropped.")
                break
            with heap_lock:
                due = heap[0].due if heap else None
            if due is None:
                in_flight = {future for future in in_flight if not future.done()}
                # A click still in flight may yet schedule a postback.
                if not in_flight and elapsed > run_seconds:
                    break
                time.sleep(0.01)
                continue
            if due > elapsed:
                time.sleep(min(due - elapsed, 0.01))
                continue
            with heap_lock:
                event = heapq.heappop(heap)
            in_flight.add(pool.submit(fire, event, started))
    finished = time.perf_counter()
    return tally, finished - started, run_seconds


def _wait_for_buckets(campaign) -> float | None:
    """Return seconds until buckets match the recorded rows, or None after the wait."""
    from django.db.models import Count, Q, Sum

    from campaigns.models import Click, Conversion, MetricBucket

    started = time.perf_counter()
    while time.perf_counter() - started < MAX_FOLD_WAIT_SECONDS:
        clicks = Click.objects.filter(campaign=campaign).aggregate(
            billable=Count("pk", filter=Q(is_billable=True))
        )["billable"]
        approved = Conversion.objects.filter(campaign=campaign, status="approved").count()
        totals = MetricBucket.objects.filter(campaign=campaign).aggregate(
            clicks=Sum("clicks"), conversions=Sum("conversions")
        )
        if (totals["clicks"] or 0) == clicks and (totals["conversions"] or 0) == approved:
            return time.perf_counter() - started
        time.sleep(0.5)
    return None


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="server to replay against")
    parser.add_argument("--clicks", type=int, default=20_000, help="clicks in the day")
    parser.add_argument("--speed", type=float, default=720.0, help="day seconds per real second")
    parser.add_argument("--partners", type=int, default=20, help="enrolled partners")
    parser.add_argument("--workers", type=int, default=16, help="concurrent HTTP connections")
    parser.add_argument(
        "--conversion-rate", type=float, default=0.02, help="share of human clicks that convert"
    )
    parser.add_argument("--seed", type=int, default=20261204, help="random seed")
    parser.add_argument("--keep", action="store_true", help="keep the campaign and its rows")
    arguments = parser.parse_args()
    parts = urlsplit(arguments.url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        parser.error("--url must be http:// on 127.0.0.1, localhost or ::1")
    if arguments.clicks < 1 or arguments.speed <= 0 or not 1 <= arguments.workers <= 128:
        parser.error("--clicks and --speed must be positive and --workers 1 to 128")
    arguments.host, arguments.port = parts.hostname, parts.port or 80

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hexabuilders.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from partners.models import Partner

    campaign, links, partner_ids = _seed(arguments.partners)
    _report(
        f"Replaying {arguments.clicks:,} clicks over {DAY_SECONDS / arguments.speed:.0f} s "
        f"against {arguments.url} (campaign {campaign.pk})..."
    )
    try:
        tally, elapsed, scheduled = _replay(arguments, campaign, links)
        lag = _wait_for_buckets(campaign)
    finally:
        if not arguments.keep:
            campaign.delete()
            Partner.objects.filter(pk__in=partner_ids).delete()

    _report()
    for (kind, status), count in sorted(tally.statuses.items()):
        _report(f"{kind:<22} HTTP {status}  {count:>8,}")
    events = sum(count for kind, count in tally.sent.items() if kind != "health")
    _report(f"events sent              {events:>8,} in {elapsed:.1f} s")
    _report(f"achieved / scheduled     {scheduled / elapsed:>8.2f}  (1.00 = kept pace)")
    baseline = tally.latencies.get("health") or [float("nan")]
    base_p50, base_p99 = _percentile(baseline, 0.5), _percentile(baseline, 0.99)
    _report(f"baseline GET /health/    p50 {base_p50:7.1f} ms  p99 {base_p99:7.1f} ms")
    for kind in sorted(tally.latencies):
        if kind == "health":
            continue
        values = tally.latencies[kind]
        p50, p99 = _percentile(values, 0.5), _percentile(values, 0.99)
        _report(
            f"{kind:<22}   p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
            f"p50/baseline {p50 / base_p50:5.2f}  p99/baseline {p99 / base_p99:5.2f}"
        )
    if lag is None:
        _report(f"buckets did not match the recorded rows within {MAX_FOLD_WAIT_SECONDS} s")
        return 1
    _report(f"buckets matched rows     {lag:>8.1f} s after the last event")
    return 0


if __name__ == "__main__":
    sys.exit(main())
