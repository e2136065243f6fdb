"""Benchmark signed conversion postbacks against a bare POST view on the same server.

Run from the repository root: ``.venv/bin/python bench/postback.py``. It needs ``wrk``.

The script creates a scratch PostgreSQL database, migrates it and seeds one active
CPA campaign with a tracking link and one click per request to send. It then signs
that many postbacks: JSON bodies, each with its own transaction id and click, with
the HMAC of timestamp and body in the X-Hexa-Timestamp and X-Hexa-Signature headers.
It serves the project under daphne with a URLconf that adds ``/bare-postback``, a
view that only reads the body and replies with a small JSON object. Each side gets its
own daphne process with identical settings and middleware, plus one Celery worker
on the ``default`` and ``ingest`` queues for the events and metric folds the
postbacks queue. ``wrk`` sends the same signed requests to both sides from another
process on 127.0.0.1 for a bounded time, never replaying a request on the postback
side until every one was sent once. The script prints requests per second and p99
latency per side and the postback/bare throughput ratio, then drops the database and
empties the Redis database it used.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile

import psycopg
import redis
from harness import (
    PG_ADMIN_URL,
    PYTHON,
    ROOT,
    cpu_seconds,
    free_port,
    median,
    parse_wrk,
    serving,
)

DATABASE_NAME = "hexa_bench_postback"
TARGET_RATIO = 0.50

# Seeds the campaign and its clicks, then writes one signed request per line:
# body, timestamp and signature separated by tabs.
_SEED = """
import datetime as dt, json, sys, time
import django
django.setup()
from django.utils import timezone
from campaigns.models import Click
from campaigns.postbacks import sign
from tests.factories import PartnerFactory, active_campaign_with_link

count, path = int(sys.argv[1]), sys.argv[2]
campaign, _enrollment, link = active_campaign_with_link(PartnerFactory(status="active"))
created_at = timezone.now() - dt.timedelta(minutes=10)
clicks = Click.objects.bulk_create(
    [
        Click(link=link, campaign=campaign, partner_id=link.enrollment.partner_id,
              code=link.code, outcome="redirected", ip_hash=f"{n:064x}", device="mobile",
              is_billable=True, created_at=created_at)
        for n in range(count)
    ],
    batch_size=5000,
)
timestamp = str(int(time.time()))
with open(path, "w") as requests:
    for n, click in enumerate(clicks):
        body = json.dumps({"campaign": campaign.pk, "transaction_id": f"BENCH-{n}",
                           "click_id": str(click.pk), "amount": "120000.00", "currency": "COP"})
        signature = sign(secret=campaign.postback_secret, timestamp=timestamp, payload=body)
        requests.write(f"{body}\\t{timestamp}\\t{signature}\\n")
print(campaign.pk)
"""

_COUNT = """
import django
django.setup()
from campaigns.models import Campaign, Conversion
print(Conversion.objects.count(), Conversion.objects.filter(status="approved").count(),
      Campaign.objects.get().spent)
"""

# wrk runs this once per thread: it loads every signed request and sends them in
# order from ``start``, wrapping around only after the last one.
_WRK_SCRIPT = """
local requests = {}
for line in io.lines("%(path)s") do
  local body, timestamp, signature = line:match("^(.-)\\t(.-)\\t(.-)$")
  requests[#requests + 1] = wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Hexa-Timestamp"] = timestamp,
    ["X-Hexa-Signature"] = signature,
  }, body)
end
local index = %(start)d
request = function()
  index = index %% #requests + 1
  return requests[index]
end
"""


def _environment(redis_url: str) -> dict[str, str]:
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
            "HEXA_DATABASE_POOL": "true",
            "DJANGO_SETTINGS_MODULE": "postback_settings",
            "PYTHONPATH": f"{ROOT / 'bench'}{os.pathsep}{ROOT}",
        }
    )
    return environ


def _recreate_database(*, create: bool) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _run_django(code: str, environ: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "-c", code, *args],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout.strip().splitlines()[-1]


def _drive(url: str, requests_path: str, start: int, *, seconds: int, connections: int):
    """Run wrk against ``url``; return (requests per second, p99 ms, requests, errors)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % {"path": requests_path, "start": start})
    try:
        output = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name,
             url],
            capture_output=True, text=True, timeout=seconds + 30, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    return parse_wrk(output)


def _measure(environ, requests_path, args) -> dict[str, list[tuple[float, float, float]]]:
    """Serve both sides at once and load them in turn, round after round.

    Interleaving the rounds spreads a burst of load from other processes over both
    sides instead of one. Each round returns requests per second, p99 latency and the
    CPU milliseconds per request of the side's daphne process and Celery worker.
    """
    workers = () if args.no_worker else ("default,ingest",)
    sent = {"bare": 0, "postback": 0}
    samples: dict[str, list] = {"bare": [], "postback": []}
    with contextlib.ExitStack() as stack:
        servers = {}
        for name, path in (("bare", "/bare-postback"), ("postback", "/postback")):
            port = free_port()
            pids = stack.enter_context(
                serving(environ, port, log_name=f"bench-postback-{name}", workers=workers)
            )
            servers[name] = (f"http://127.0.0.1:{port}{path}", pids)
        for name, (url, _pids) in servers.items():
            _rate, _p99, total, _errors = _drive(
                url, requests_path, 0, seconds=args.warmup, connections=args.connections
            )
            sent[name] += total
        for _round in range(args.rounds):
            for name, (url, pids) in servers.items():
                server_before, workers_before = cpu_seconds(pids[:1]), cpu_seconds(pids[1:])
                rate, p99, total, errors = _drive(
                    url, requests_path, sent[name], seconds=args.seconds,
                    connections=args.connections,
                )  # fmt: skip
                server_ms = (cpu_seconds(pids[:1]) - server_before) * 1000 / max(total, 1)
                workers_ms = (cpu_seconds(pids[1:]) - workers_before) * 1000 / max(total, 1)
                cpu_ms = server_ms + workers_ms
                sent[name] += total
                print(  # noqa: T201
                    f"  {name:<9} {rate:>8.1f} req/s   p99 {p99:>7.2f} ms   CPU ms/request "
                    f"{server_ms:>6.2f} daphne + {workers_ms:>5.2f} worker   "
                    f"({total} requests, {errors} errors)"
                )
                if errors > total // 100:
                    # The server log names the cause, such as PostgreSQL refusing connections.
                    raise RuntimeError(
                        f"{errors} of {total} responses were errors; see var/bench-postback-*"
                    )
                samples[name].append((rate, p99, cpu_ms))
    samples["sent"] = sent["postback"]
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="measured seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over both sides")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seconds per side")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument(
        "--requests", type=int, default=30000, help="distinct signed postbacks to prepare"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="start no Celery workers: queued events and folds wait in Redis until cleanup",
    )
    args = parser.parse_args()
    if not re.match(r"redis://(127\.0\.0\.1|localhost)[:/]", args.redis_url):
        parser.error("--redis-url must point at 127.0.0.1")
    if not shutil.which("wrk"):
        parser.error("wrk is required: install it (apt-get install wrk) and run again")
    if args.seconds * args.rounds + args.warmup > 120:
        parser.error("--seconds times --rounds plus --warmup must stay within 120 s")

    redis.Redis.from_url(args.redis_url).flushdb()
    _recreate_database(create=True)
    requests_file = tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False)  # noqa: SIM115
    requests_file.close()
    try:
        environ = _environment(args.redis_url)
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "-v", "0"], env=environ, cwd=ROOT, check=True
        )
        _run_django(_SEED, environ, str(args.requests), requests_file.name)
        print(  # noqa: T201
            f"load: wrk, {args.connections} connections, {args.rounds} rounds of {args.seconds} s "
            f"per side after {args.warmup} s of warm-up, one daphne process and "
            f"{'no' if args.no_worker else 'one'} Celery worker per side, "
            f"{os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.1f}"
        )
        samples = _measure(environ, requests_file.name, args)
        stored, approved, spent = _run_django(_COUNT, environ).split()
        replayed = max(samples["sent"] - args.requests, 0)
        print(  # noqa: T201
            f"conversions stored: {stored} ({approved} approved, spend {spent}); "
            f"requests replayed as duplicates: {replayed}"
        )
        bare = [median([sample[i] for sample in samples["bare"]]) for i in range(3)]
        postback = [median([sample[i] for sample in samples["postback"]]) for i in range(3)]
        print(  # noqa: T201
            f"median throughput ratio {postback[0] / bare[0]:.2f} (target >= {TARGET_RATIO:.2f}), "
            f"p99 ratio {postback[1] / bare[1]:.2f}, "
            f"CPU per request {postback[2] / bare[2]:.2f} x bare; "
            f"load average after {os.getloadavg()[0]:.1f}"
        )
    finally:
        os.unlink(requests_file.name)
        _recreate_database(create=False)
        redis.Redis.from_url(args.redis_url).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
