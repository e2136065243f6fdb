"""Benchmark postback-to-browser freshness of the live dashboard at half the maximum ingest rate.

Run from the repository root: ``.venv/bin/python bench/freshness.py``.

The script creates a scratch PostgreSQL database, migrates it and seeds one active CPA
campaign with a tracking link, already-folded clicks for the postbacks to attribute to,
and a signed-in staff session. It serves the project in the full-stack mode: one daphne
process, one Celery worker for the ``ingest`` queue and one for ``default``, PostgreSQL
and a private Redis server. Several WebSocket clients (the ``websockets`` library)
follow the campaign's live socket as staff dashboards do.

1. Maximum ingest rate: sender threads post token-authenticated conversion postbacks
   as fast as the server responds, for a bounded time.
2. Baseline: single postbacks a few seconds apart, on an idle system.
3. Load: postbacks paced at half the maximum rate.

The freshness of a postback is the time from sending it until a viewer receives a
snapshot whose conversion count includes it: the k-th postback to be answered is seen
by the first snapshot with at least k conversions after it was sent. Every viewer's
sample counts. The script prints the p50, p95 and maximum freshness of both phases and
the ratio of the loaded p95 to the baseline p95, then drops the database and stops
the private Redis server it started.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlencode

import psycopg
from harness import PG_ADMIN_URL, PYTHON, ROOT, free_port, serving, wait_for_port
from websockets.sync.client import connect

DATABASE_NAME = "hexa_bench_freshness"
TARGET_P95_SECONDS = 2.0

# Seeds the campaign, its clicks and a staff session; prints one JSON line.
_SEED = """
import datetime as dt, json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from campaigns.models import Click
from tests.factories import PartnerFactory, StaffUserFactory, active_campaign_with_link

count = int(sys.argv[1])
campaign, _enrollment, link = active_campaign_with_link(PartnerFactory(status="active"))
created_at = timezone.now() - dt.timedelta(minutes=10)
clicks = Click.objects.bulk_create(
    [
        Click(link=link, campaign=campaign, partner_id=link.enrollment.partner_id,
              code=link.code, outcome="redirected", ip_hash=f"{n:064x}", device="mobile",
              is_billable=True, folded=True, created_at=created_at)
        for n in range(count)
    ],
    batch_size=5000,
)
staff = StaffUserFactory(username="bench-staff")
session = SessionStore()
session[SESSION_KEY] = str(staff.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
session.create()
print(json.dumps({"campaign": campaign.pk, "secret": campaign.postback_secret,
                  "clicks": [str(click.pk) for click in clicks],
                  "session": session.session_key}))
"""


def _environment(redis_url: str, fold_debounce: int) -> dict[str, str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEXA_", "DJANGO_")) and key not in ("DATABASE_URL", "REDIS_URL")
    }
    environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}",
            "REDIS_URL": redis_url,
            "HEXA_SECRET_KEY": "bench-" + secrets.token_hex(24),
            "HEXA_ALLOWED_HOSTS": "127.0.0.1",
            "HEXA_SECURE_SSL_REDIRECT": "false",
            "HEXA_HSTS_SECONDS": "0",
            "HEXA_IGNORE_DOTENV": "true",
            "HEXA_LOG_LEVEL": "WARNING",
            "HEXA_TASKS_EAGER": "false",
            "HEXA_FOLD_DEBOUNCE_SECONDS": str(fold_debounce),
            "DJANGO_SETTINGS_MODULE": "hexabuilders.settings",
            "PYTHONPATH": str(ROOT),
        }
    )
    return environ


def _recreate_database(*, create: bool) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


class Viewer(threading.Thread):
    """A staff dashboard's socket: records (arrival time, conversions) of every snapshot."""

    def __init__(self, port: int, campaign_id: int, session_key: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.url = f"ws://127.0.0.1:{port}/ws/campaigns/{campaign_id}/live/"
        self.origin = f"http://127.0.0.1:{port}"
        self.cookie = f"sessionid={session_key}"
        self.stop = stop
        self.snapshots: list[tuple[float, int]] = []
        self.ready = threading.Event()

    def run(self) -> None:
        with connect(
            self.url,
            origin=self.origin,
            additional_headers={"Cookie": self.cookie},
            proxy=None,
            open_timeout=60,
        ) as socket_:
            hello = json.loads(socket_.recv(timeout=60))
            if hello.get("type") != "hello":
                raise RuntimeError(f"the live socket rejected the viewer: {hello}")
            self.ready.set()
            while not self.stop.is_set():
                try:
                    message = json.loads(socket_.recv(timeout=0.5))
                except TimeoutError:
                    continue
                if message.get("type") == "snapshot":
                    self.snapshots.append((time.monotonic(), message["kpis"]["conversions"]))


class Sender:
    """Posts conversion postbacks over keep-alive connections, one click id each."""

    def __init__(self, port: int, campaign_id: int, secret: str, clicks: list[str]):
        self.port = port
        self.campaign_id = campaign_id
        self.secret = secret
        self.clicks = iter(clicks)
        self.lock = threading.Lock()
        # (sent at, answered at) of every accepted postback, in the order of the answers.
        self.answered: list[tuple[float, float]] = []
        self.failures = 0

    def _next_path(self) -> str | None:
        with self.lock:
            click_id = next(self.clicks, None)
        if click_id is None:
            return None
        query = urlencode(
            {
                "campaign": self.campaign_id,
                "token": self.secret,
                "transaction_id": uuid.uuid4().hex,
                "click_id": click_id,
                "amount": "120000.00",
            }
        )
        return f"/postback?{query}"

    def send_one(self, connection: http.client.HTTPConnection) -> bool:
        path = self._next_path()
        if path is None:
            return False
        sent = time.monotonic()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        answered = time.monotonic()
        with self.lock:
            if response.status in (200, 201):
                self.answered.append((sent, answered))
            else:
                self.failures += 1
        return True

    def run(self, *, threads: int, seconds: float, rate: float | None) -> float:
        """Send for ``seconds``; paced to ``rate`` per second overall when given."""
        deadline = time.monotonic() + seconds
        start_count = len(self.answered)
        interval = threads / rate if rate else 0.0

        def loop(offset: float) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            next_at = time.monotonic() + offset
            try:
                while time.monotonic() < deadline:
                    if interval:
                        delay = next_at - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
                        next_at += interval
                    if not self.send_one(connection):
                        return
            finally:
                connection.close()

        workers = [
            threading.Thread(target=loop, args=(index * interval / threads,), daemon=True)
            for index in range(threads)
        ]
        began = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=seconds + 60)
        return (len(self.answered) - start_count) / (time.monotonic() - began)


def _freshness(answered, viewers, *, first: int, last: int) -> list[float]:
    """Return one sample per (postback, viewer): sent -> first snapshot that includes it."""
    samples = []
    for viewer in viewers:
        snapshots = viewer.snapshots
        for index in range(first, last):
            sent, _answered = answered[index]
            needed = index + 1
            seen = next(
                (at for at, conversions in snapshots if conversions >= needed and at >= sent),
                None,
            )
            samples.append(math.inf if seen is None else seen - sent)
    return samples


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def _report(name: str, samples: list[float]) -> float:
    p50, p95 = _percentile(samples, 0.50), _percentile(samples, 0.95)
    print(  # noqa: T201
        f"{name:<34} p50 {p50:6.3f} s   p95 {p95:6.3f} s   max {max(samples):6.3f} s"
        f"   ({len(samples)} samples)"
    )
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=10, help="WebSocket clients")
    parser.add_argument("--threads", type=int, default=4, help="postback sender threads")
    parser.add_argument(
        "--fold-debounce",
        type=int,
        default=1,
        help="HEXA_FOLD_DEBOUNCE_SECONDS for the server (the product's default is 1)",
    )
    parser.add_argument("--max-seconds", type=int, default=8, help="length of the rate probe")
    parser.add_argument("--seconds", type=int, default=20, help="length of the loaded phase")
    parser.add_argument("--baseline", type=int, default=8, help="single postbacks at idle")
    parser.add_argument("--clicks", type=int, default=12000, help="clicks seeded to attribute")
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        parser.error("redis-server is required: install it (apt-get install redis-server)")
    if args.max_seconds + args.seconds + 3 * args.baseline > 180:
        parser.error("the phases must stay within 180 s together")

    (ROOT / "var").mkdir(exist_ok=True)
    redis_port = free_port()
    # A private Redis server, so the flushes never touch another run's data.
    redis_server = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(redis_port, redis_server)
    _recreate_database(create=True)
    stop = threading.Event()
    try:
        environ = _environment(f"redis://127.0.0.1:{redis_port}/0", args.fold_debounce)
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "-v", "0"], env=environ, cwd=ROOT, check=True
        )
        seed = subprocess.run(
            [PYTHON, "-c", _SEED, str(args.clicks)],
            env=environ, cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        seeded = json.loads(seed.stdout.strip().splitlines()[-1])
        port = free_port()
        # One worker per queue, so event dispatches on ``default`` never queue ahead of a fold.
        with serving(environ, port, log_name="bench-freshness", workers=("ingest", "default")):
            viewers = [
                Viewer(port, seeded["campaign"], seeded["session"], stop)
                for _ in range(args.viewers)
            ]
            for viewer in viewers:
                viewer.start()
            for viewer in viewers:
                if not viewer.ready.wait(timeout=60):
                    raise RuntimeError("a viewer did not connect within 60 s")
            sender = Sender(port, seeded["campaign"], seeded["secret"], seeded["clicks"])

            # Two unmeasured postbacks load the code paths and open the connections.
            for _ in range(2):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                sender.send_one(connection)
                connection.close()
                time.sleep(3)
            baseline_first = len(sender.answered)
            for _ in range(args.baseline):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                sender.send_one(connection)
                connection.close()
                time.sleep(3)
            baseline_last = len(sender.answered)

            max_rate = sender.run(threads=args.threads, seconds=args.max_seconds, rate=None)
            time.sleep(5)
            load_rate = max_rate / 2
            loaded_first = len(sender.answered)
            achieved = sender.run(threads=args.threads, seconds=args.seconds, rate=load_rate)
            loaded_last = len(sender.answered)
            time.sleep(5)
            stop.set()
            for viewer in viewers:
                viewer.join(timeout=10)

        print(  # noqa: T201
            f"machine: {os.cpu_count()} CPUs; one daphne process, one Celery worker (solo "
            f"pool) for each of the ingest and default queues, PostgreSQL and Redis on "
            f"127.0.0.1; {args.viewers} WebSocket viewers; "
            f"fold debounce {args.fold_debounce} s"
        )
        print(  # noqa: T201
            f"maximum ingest rate {max_rate:.1f} postbacks/s with {args.threads} sender "
            f"threads; loaded phase paced at {load_rate:.1f}/s, achieved {achieved:.1f}/s; "
            f"failed postbacks {sender.failures}"
        )
        baseline = _freshness(sender.answered, viewers, first=baseline_first, last=baseline_last)
        loaded = _freshness(sender.answered, viewers, first=loaded_first, last=loaded_last)
        base_p95 = _report("baseline: single postbacks at idle", baseline)
        load_p95 = _report("at half the maximum ingest rate", loaded)
        print(  # noqa: T201
            f"p95 ratio loaded/baseline {load_p95 / base_p95:.2f}; "
            f"loaded p95 target <= {TARGET_P95_SECONDS:.1f} s: "
            f"{'met' if load_p95 <= TARGET_P95_SECONDS else 'missed'}"
        )
    finally:
        stop.set()
        _recreate_database(create=False)
        redis_server.terminate()
        redis_server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
