"""Benchmark folding clicks and conversions into hourly buckets against a raw COPY of them.

Run from the repository root: ``.venv/bin/python bench/fold.py`` (about 2 to 4 minutes
with the defaults on 2 cores).

The script creates a scratch PostgreSQL database, migrates it and seeds 20 campaigns
with 10 partners each. It generates 1,000,000 clicks (a tenth not billable, a third
not unique) and 50,000 conversions (85 % approved, the rest pending, rejected or
reversed) spread over 30 days, as COPY text in memory. The baseline is the time
PostgreSQL takes to COPY those rows into the click and conversion tables, indexes
included. Then ``campaigns.ingestion.fold_pending`` folds every row into metric
buckets in batches of ``--batch-size``, the way the Celery task does. Both figures
are rows per second over the same rows. The script prints them and their ratio (the
target is at least 0.20), checks that the buckets contain exactly the billable
clicks and approved conversions, and drops the database at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from uuid6 import uuid7

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE_NAME = "hexa_bench_fold"
CAMPAIGNS = 20
PARTNERS_PER_CAMPAIGN = 10
DAYS = 30
COPY_CHUNK = 100_000
TARGET_RATIO = 0.20

CLICK_COLUMNS = (
    "id, created_at, link_id, campaign_id, partner_id, code, outcome, ip_hash, user_agent, "
    "device, country, language, referrer_domain, sub_ids, is_bot, is_unique, is_billable, folded"
)
CONVERSION_COLUMNS = (
    "campaign_id, partner_id, enrollment_id, transaction_id, amount, original_amount, "
    "original_currency, exchange_rate, payout, status, reason_code, fraud_flags, ip_hash, "
    "request_fingerprint, created_at, folded, folded_status"
)


def _configure_environment() -> None:
    for key in list(os.environ):
        if key.startswith(("HEXA_", "DJANGO_")) or key in ("DATABASE_URL", "REDIS_URL"):
            del os.environ[key]
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}",
            "HEXA_SECRET_KEY": "bench-" + secrets.token_hex(24),
            "HEXA_ALLOWED_HOSTS": "127.0.0.1",
            "HEXA_IGNORE_DOTENV": "true",
            "HEXA_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "hexabuilders.settings",
        }
    )
    sys.path.insert(0, str(ROOT))


def _report(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _admin_database(statement: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def _seed_links():
    """Create campaigns, partners, enrollments and links; return the links with enrollments."""
    from campaigns.models import Campaign, Enrollment, TrackingLink
    from partners.models import Partner
    from tests.factories import colombian_nit

    partners = Partner.objects.bulk_create(
        Partner(
            legal_name=f"Bench partner {n} S.A.S.",
            display_name=f"Bench partner {n}",
            kind=Partner.Kind.AFFILIATE,
            country="CO",
            tax_id=colombian_nit(800_000 + n),
            email=f"bench{n}@example.com",
            status=Partner.Status.ACTIVE,
        )
        for n in range(CAMPAIGNS * PARTNERS_PER_CAMPAIGN)
    )
    campaigns = Campaign.objects.bulk_create(
        Campaign(
            name=f"Bench campaign {n}",
            kind=Campaign.Kind.CPA,
            status=Campaign.Status.ACTIVE,
            landing_url="https://shop.example.com/",
        )
        for n in range(CAMPAIGNS)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(campaign=campaigns[n % CAMPAIGNS], partner=partner, status="approved")
        for n, partner in enumerate(partners)
    )
    links = TrackingLink.objects.bulk_create(
        TrackingLink(enrollment=enrollment) for enrollment in enrollments
    )
    return links


def _click_rows(links, count: int, rng: random.Random, start: datetime) -> tuple[list[str], int]:
    """Return COPY text chunks of ``count`` clicks and the number of billable ones."""
    step = timedelta(days=DAYS) / count
    chunks, billable = [], 0
    buffer = io.StringIO()
    for n in range(count):
        moment = start + step * n
        link = links[rng.randrange(len(links))]
        is_billable = rng.random() >= 0.10
        billable += is_billable
        buffer.write(
            "\t".join(
                (
                    str(uuid7()),
                    moment.isoformat(),
                    str(link.pk),
                    str(link.enrollment.campaign_id),
                    str(link.enrollment.partner_id),
                    link.code,
                    "redirected" if is_billable else "preview",
                    f"{rng.getrandbits(256):064x}",
                    "Mozilla/5.0 (Linux; Android 14) Mobile",
                    "mobile",
                    "CO",
                    "es",
                    "instagram.com",
                    "{}",
                    "f",
                    "t" if rng.random() >= 0.33 else "f",
                    "t" if is_billable else "f",
                    "f",
                )
            )
            + "\n"
        )
        if (n + 1) % COPY_CHUNK == 0:
            chunks.append(buffer.getvalue())
            buffer = io.StringIO()
    chunks.append(buffer.getvalue())
    return chunks, billable


def _conversion_rows(
    links, count: int, rng: random.Random, start: datetime
) -> tuple[list[str], int]:
    """Return COPY text chunks of ``count`` conversions and the number of approved ones."""
    step = timedelta(days=DAYS) / count
    statuses = ["approved"] * 85 + ["pending"] * 7 + ["rejected"] * 5 + ["reversed"] * 3
    chunks, approved = [], 0
    buffer = io.StringIO()
    for n in range(count):
        link = links[rng.randrange(len(links))]
        status = rng.choice(statuses)
        approved += status == "approved"
        buffer.write(
            "\t".join(
                (
                    str(link.enrollment.campaign_id),
                    str(link.enrollment.partner_id),
                    str(link.enrollment_id),
                    uuid.uuid4().hex,
                    "120000.00",
                    "120000.00",
                    "COP",
                    "1",
                    "10000.00",
                    status,
                    "",
                    "[]",
                    f"{rng.getrandbits(256):064x}",
                    f"{rng.getrandbits(256):064x}",
                    (start + step * n).isoformat(),
                    "f",
                    "",
                )
            )
            + "\n"
        )
        if (n + 1) % COPY_CHUNK == 0:
            chunks.append(buffer.getvalue())
            buffer = io.StringIO()
    chunks.append(buffer.getvalue())
    return chunks, approved


def _copy(table: str, columns: str, chunks: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.connection
        for chunk in chunks:
            if not chunk:
                continue
            statement = f"COPY {table} ({columns}) FROM STDIN"
            with raw.cursor() as copy_cursor, copy_cursor.copy(statement) as copy:
                copy.write(chunk)


def _run(clicks: int, conversions: int, batch_size: int) -> int:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    from django.db import connection
    from django.db.models import Sum

    from campaigns import ingestion, live
    from campaigns.models import MetricBucket

    links = _seed_links()
    rng = random.Random(20261204)
    start = datetime.now(UTC) - timedelta(days=DAYS)
    _report(f"Generating {clicks:,} clicks and {conversions:,} conversions in memory...")
    click_chunks, billable = _click_rows(links, clicks, rng, start)
    conversion_chunks, approved = _conversion_rows(links, conversions, rng, start)

    started = time.perf_counter()
    _copy("campaigns_click", CLICK_COLUMNS, click_chunks)
    _copy("campaigns_conversion", CONVERSION_COLUMNS, conversion_chunks)
    copy_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_click")
        cursor.execute("ANALYZE campaigns_conversion")

    rows = clicks + conversions
    _report(f"Folding in batches of {batch_size:,} rows...")
    started = time.perf_counter()
    result = ingestion.fold_pending(limit=batch_size, max_batches=10 * rows // batch_size + 10)
    fold_seconds = time.perf_counter() - started

    totals = MetricBucket.objects.aggregate(clicks=Sum("clicks"), conversions=Sum("conversions"))
    bucket_count = MetricBucket.objects.count()
    copy_rate = rows / copy_seconds
    fold_rate = (result.clicks + result.conversions) / fold_seconds
    ratio = fold_rate / copy_rate

    _report()
    _report(f"rows                     {rows:>12,}")
    _report(f"COPY (baseline)          {copy_seconds:>10.1f} s  {copy_rate:>12,.0f} rows/s")
    _report(f"fold into buckets        {fold_seconds:>10.1f} s  {fold_rate:>12,.0f} rows/s")
    _report(f"buckets written          {bucket_count:>12,}")
    _report(f"ratio fold / COPY        {ratio:>12.2f}   (target >= {TARGET_RATIO:.2f})")
    checks = {
        "every click folded": result.clicks == clicks,
        "every conversion folded": result.conversions == conversions,
        "bucket clicks = billable clicks": totals["clicks"] == billable,
        "bucket conversions = approved": totals["conversions"] == approved,
    }
    for name, passed in checks.items():
        _report(f"check: {name:<32} {'ok' if passed else 'FAILED'}")
    # Each fold notifies the live layer, whose flusher thread reads the buckets again one
    # interval later. Let it finish before the database is dropped.
    time.sleep(3 * live.interval_seconds() + 1)
    connection.close()
    return 0 if all(checks.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=1_000_000, help="clicks to generate")
    parser.add_argument("--conversions", type=int, default=50_000, help="conversions to generate")
    parser.add_argument("--batch-size", type=int, default=10_000, help="rows per fold batch")
    arguments = parser.parse_args()
    if min(arguments.clicks, arguments.conversions, arguments.batch_size) < 1:
        parser.error("--clicks, --conversions and --batch-size must be positive")

    _configure_environment()
    _admin_database(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
    _admin_database(f"CREATE DATABASE {DATABASE_NAME}")
    try:
        return _run(arguments.clicks, arguments.conversions, arguments.batch_size)
    finally:
        _admin_database(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
