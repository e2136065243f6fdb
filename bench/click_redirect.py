"""Benchmark the click redirect /t/<code> against a bare 302 view on the same server.

Run from the repository root: ``.venv/bin/python bench/click_redirect.py``.

The script creates a scratch PostgreSQL database, migrates it and seeds one active
campaign with a tracking link. It then serves the project under daphne (the server
docs/operations.md prescribes) with a URLconf that adds ``/bare/<code>``, a view that
returns the same 302 through the same middleware without recording anything. Each
side has its own daphne process with identical settings (the psycopg pool on) and one
Celery worker on the ``ingest`` queue. The sides are the bare view and the redirect
recording clicks with ``insert`` (the default: one INSERT whose commit waits for the
WAL flush), ``insert-async`` (``HEXA_CLICK_SYNCHRONOUS_COMMIT=false``) and ``buffer``
(``HEXA_CLICK_RECORDING=buffer``). Load comes from ``wrk`` when it is installed,
otherwise from a small asyncio client, in another process on 127.0.0.1. Every round
loads each side in turn for a bounded time. The script prints the median requests
per second, p99 latency and CPU time per request of each side, and each redirect
side's ratios against the bare view. At the end it drops the database and empties
the Redis database it used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import time

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

DATABASE_NAME = "hexa_bench_click_redirect"
USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def _environment(redis_url: str, recording: str, *, synchronous: bool = False) -> dict[str, str]:
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
            "HEXA_CLICK_RECORDING": recording,
            "HEXA_CLICK_SYNCHRONOUS_COMMIT": "true" if synchronous else "false",
            "DJANGO_SETTINGS_MODULE": "click_redirect_settings",
            "PYTHONPATH": f"{ROOT / 'bench'}{os.pathsep}{ROOT}",
        }
    )
    return environ


def _create_database() -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _drop_database() -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


_SEED = """
import django
django.setup()
from tests.factories import PartnerFactory, active_campaign_with_link
_campaign, _enrollment, link = active_campaign_with_link(PartnerFactory(status="active"))
print(link.code)
"""

_COUNT = """
import django
django.setup()
from campaigns.models import Click
from campaigns.tracking import flush_click_buffer
flushed = flush_click_buffer(max_batches=10000)
print(Click.objects.count(), flushed)
"""


def _run_django(code: str, environ: dict[str, str]) -> str:
    result = subprocess.run(
        [PYTHON, "-c", code], env=environ, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout.strip().splitlines()[-1]


# Load generation --------------------------------------------------------------


def _drive_with_wrk(url: str, seconds: int, connections: int) -> tuple[float, float, int]:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H",
         f"User-Agent: {USER_AGENT}", url],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout  # fmt: skip
    rate, p99, total, errors = parse_wrk(output)
    if errors:
        raise RuntimeError(f"{errors} responses were errors:\n{output}")
    return rate, p99, total


async def _connection_loop(port: int, path: str, deadline: float, latencies: list[float]):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {USER_AGENT}\r\n\r\n"
    ).encode()
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 302"):
                raise RuntimeError(head.decode(errors="replace"))
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        writer.close()


def _drive_with_asyncio(url: str, seconds: int, connections: int) -> tuple[float, float, int]:
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/.*)", url)
    port, path = int(match.group(1)), match.group(2)
    latencies: list[float] = []

    async def run() -> float:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(_connection_loop(port, path, deadline, latencies) for _ in range(connections))
        )
        return time.monotonic() - started

    elapsed = asyncio.run(run())
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return len(latencies) / elapsed, p99, len(latencies)


def _drive(url: str, seconds: int, connections: int) -> tuple[float, float, int]:
    if shutil.which("wrk"):
        return _drive_with_wrk(url, seconds, connections)
    # The fallback client runs in a process of its own, as wrk does.
    output = subprocess.run(
        [PYTHON, __file__, "--drive", url, "--seconds", str(seconds),
         "--connections", str(connections)],
        capture_output=True, text=True, timeout=seconds + 30, check=True,
    ).stdout  # fmt: skip
    rate, p99, total = output.split()
    return float(rate), float(p99), int(total)


# Main -------------------------------------------------------------------------


# Name: (URL prefix, HEXA_CLICK_RECORDING, HEXA_CLICK_SYNCHRONOUS_COMMIT).
SIDES = {
    "bare": ("/bare/", "insert", False),
    "insert": ("/t/", "insert", True),
    "insert-async": ("/t/", "insert", False),
    "buffer": ("/t/", "buffer", False),
}


def _measure_all(code, redis_url, secret_key, args) -> dict[str, tuple[float, float, float]]:
    """Serve every side at once and load them in turn, round after round.

    Interleaving the rounds spreads a burst of load from other processes on the
    machine over all sides instead of one. CPU time counts the daphne process and
    its Celery worker, so work the buffer defers to the worker is charged too.
    """
    with contextlib.ExitStack() as stack:
        servers = {}
        for name, (prefix, recording, synchronous) in SIDES.items():
            environ = _environment(redis_url, recording, synchronous=synchronous)
            environ["HEXA_SECRET_KEY"] = secret_key
            port = free_port()
            pids = stack.enter_context(
                serving(environ, port, log_name=f"bench-click-{port}", workers=("ingest",))
            )
            servers[name] = (f"http://127.0.0.1:{port}{prefix}{code}", pids)
        for url, _pids in servers.values():
            _drive(url, args.warmup, args.connections)
        samples = {name: [] for name in servers}
        for _round in range(args.rounds):
            for name, (url, pids) in servers.items():
                cpu_before = cpu_seconds(pids)
                rate, p99, total = _drive(url, args.seconds, args.connections)
                cpu_ms = (cpu_seconds(pids) - cpu_before) * 1000 / max(total, 1)
                samples[name].append((rate, p99, cpu_ms))
        time.sleep(3)  # let the last buffer flush and fold run
    return {
        name: tuple(median([sample[i] for sample in rows]) for i in range(3))
        for name, rows in samples.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="measured seconds per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over all sides")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seconds per side")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        rate, p99, total = _drive_with_asyncio(args.drive, args.seconds, args.connections)
        print(rate, p99, total)  # noqa: T201
        return 0
    if not re.match(r"redis://(127\.0\.0\.1|localhost)[:/]", args.redis_url):
        parser.error("--redis-url must point at 127.0.0.1")

    (ROOT / "var").mkdir(exist_ok=True)
    redis.Redis.from_url(args.redis_url).flushdb()
    _create_database()
    try:
        environ = _environment(args.redis_url, "insert")
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "-v", "0"], env=environ, cwd=ROOT, check=True
        )
        code = _run_django(_SEED, environ)
        print(  # noqa: T201
            f"load: {'wrk' if shutil.which('wrk') else 'asyncio client'}, "
            f"{args.connections} connections, {args.rounds} rounds of {args.seconds} s per "
            f"side after {args.warmup} s of warm-up, one daphne process and one Celery "
            f"worker per side, {os.cpu_count()} CPUs, load average before "
            f"{os.getloadavg()[0]:.1f}"
        )
        results = _measure_all(code, args.redis_url, environ["HEXA_SECRET_KEY"], args)
        stored, flushed = _run_django(_COUNT, environ).split()
        print("median per side          req/s    p99 ms   CPU ms/request")  # noqa: T201
        for name, (rate, p99, cpu_ms) in results.items():
            print(f"  {name:<18} {rate:>9.1f} {p99:>9.2f} {cpu_ms:>10.2f}")  # noqa: T201
        bare_rate, bare_p99, bare_cpu = results.pop("bare")
        for name, (rate, p99, cpu_ms) in results.items():
            print(  # noqa: T201
                f"{name:<12} throughput {rate / bare_rate:.2f} x bare (target >= 0.70), "
                f"p99 {p99 / bare_p99:.2f} x bare (target <= 2.00), "
                f"CPU per request {cpu_ms / bare_cpu:.2f} x bare"
            )
        print(f"clicks stored: {stored}, {flushed} left in the buffer at the end")  # noqa: T201
        print(f"load average after {os.getloadavg()[0]:.1f}")  # noqa: T201
    finally:
        _drop_database()
        redis.Redis.from_url(args.redis_url).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
