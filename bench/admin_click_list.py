"""Benchmark the admin click list against the raw page query it runs, on 1,000,000 clicks.

Run from the repository root: ``.venv/bin/python bench/admin_click_list.py``.

The script creates a scratch PostgreSQL database, migrates it, seeds 40 partners in
10 campaigns and loads the clicks with COPY, spread over 90 days with UUIDv7 ids
that match their times, then runs ANALYZE. In this process it requests the click
list as a signed-in superuser through Django's test client: the first page, and the
first page filtered by one campaign and by the last 7 days. For each page it
captures the SELECT ... LIMIT 100 the admin sent and runs that same SQL directly on
the same connection. Each figure is the median of ``--repeat`` runs after one
warm-up. It prints both medians and the difference per page, where the target
is at most 150 ms over the raw query, and the SQL statements that touched the
click table. For reference it also times a COUNT(*) and the DISTINCT query behind
Django's ``date_hierarchy`` on the same table. It drops the database at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE_NAME = "hexa_bench_admin_click_list"
PARTNERS = 40
CAMPAIGNS = 10
COPY_CHUNK = 50_000
TARGET_OVERHEAD_MS = 150


def _configure_environment() -> None:
    for key in list(os.environ):
        if key.startswith(("HEXA_", "DJANGO_")) or key in ("DATABASE_URL", "REDIS_URL"):
            del os.environ[key]
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}",
            "HEXA_SECRET_KEY": "bench-" + secrets.token_hex(24),
            "HEXA_ALLOWED_HOSTS": "127.0.0.1,testserver",
            "HEXA_SECURE_SSL_REDIRECT": "false",
            "HEXA_HSTS_SECONDS": "0",
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


def _uuid7_at(moment: datetime, rng: random.Random) -> uuid.UUID:
    """Return a UUIDv7 whose 48-bit timestamp is ``moment`` in milliseconds (RFC 9562)."""
    milliseconds = int(moment.timestamp() * 1000)
    value = (milliseconds & (2**48 - 1)) << 80
    value |= 0x7 << 76
    value |= rng.getrandbits(12) << 64
    value |= 0b10 << 62
    value |= rng.getrandbits(62)
    return uuid.UUID(int=value)


def _seed(rows: int) -> tuple[int, str]:
    """Create partners, campaigns and links with the ORM and COPY ``rows`` clicks."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from campaigns.models import Campaign, Click, Enrollment, TrackingLink
    from partners.models import Partner
    from tests.factories import colombian_nit

    partners = Partner.objects.bulk_create(
        Partner(
            legal_name=f"Bench partner {n} S.A.S.",
            display_name=f"Bench partner {n}",
            kind=Partner.Kind.AFFILIATE,
            country="CO",
            tax_id=colombian_nit(900_000 + n),
            email=f"bench{n}@example.com",
            status=Partner.Status.ACTIVE,
        )
        for n in range(PARTNERS)
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

    rng = random.Random(20261204)
    now = datetime.now(UTC)
    start = now - timedelta(days=90)
    step = (now - start) / rows
    columns = (
        "id, created_at, link_id, campaign_id, partner_id, code, outcome, ip_hash, "
        "user_agent, device, country, language, referrer_domain, sub_ids, is_bot, "
        "is_unique, is_billable, folded"
    )
    with connection.cursor() as cursor:
        raw = cursor.connection
        written = 0
        while written < rows:
            buffer = io.StringIO()
            for n in range(written, min(written + COPY_CHUNK, rows)):
                moment = start + step * n
                link = links[rng.randrange(len(links))]
                enrollment = link.enrollment
                buffer.write(
                    "\t".join(
                        (
                            str(_uuid7_at(moment, rng)),
                            moment.isoformat(),
                            str(link.pk),
                            str(enrollment.campaign_id),
                            str(enrollment.partner_id),
                            link.code,
                            Click.Outcome.REDIRECTED,
                            f"{rng.getrandbits(256):064x}",
                            "Mozilla/5.0 (Linux; Android 14) Mobile",
                            Click.Device.MOBILE,
                            "CO",
                            "es",
                            "instagram.com",
                            "{}",
                            "f",
                            "t" if n % 3 else "f",
                            "t",
                            "t",
                        )
                    )
                    + "\n"
                )
            statement = f"COPY campaigns_click ({columns}) FROM STDIN"
            with raw.cursor() as copy_cursor, copy_cursor.copy(statement) as copy:
                copy.write(buffer.getvalue())
            written = min(written + COPY_CHUNK, rows)
        cursor.execute("ANALYZE campaigns_click")

    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "unused")
    return user.pk, str(campaigns[3].pk)


def _median_ms(run, repeat: int) -> float:
    run()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _page_query(client, url: str, params: dict) -> tuple[str, list[str]]:
    """Return the admin's SELECT ... LIMIT for the click rows and every click-table SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params} returned {response.status_code}")
    touching = [query["sql"] for query in queries if '"campaigns_click"' in query["sql"]]
    page = [sql for sql in touching if sql.startswith("SELECT") and sql.endswith("LIMIT 100")]
    if len(page) != 1:
        raise RuntimeError(f"expected one page query, found {len(page)}: {touching}")
    return page[0], touching


def _measure(repeat: int, rows: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse

    # Production settings want a collectstatic manifest, which a scratch run lacks.
    storages = {**settings.STORAGES}
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES=storages).enable()

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    user_id, campaign_id = _seed(rows)
    _report(f"seeded {rows:,} clicks in {time.perf_counter() - started:.1f} s")

    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(pk=user_id))
    url = reverse("admin:campaigns_click_changelist")
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    pages = {
        "first page": {},
        "one campaign": {"campaign__id__exact": campaign_id},
        "last 7 days": {"created_at__gte": week_ago},
    }

    _report(f"\n{'page':<14} {'admin ms':>10} {'raw SQL ms':>11} {'difference':>11}  target")
    seen_sql: list[str] = []
    for label, params in pages.items():
        page_sql, touching = _page_query(client, url, params)
        seen_sql.extend(touching)

        def run_raw(sql=page_sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        admin_ms = _median_ms(lambda params=params: client.get(url, params), repeat)
        raw_ms = _median_ms(run_raw, repeat)
        difference = admin_ms - raw_ms
        verdict = "met" if difference <= TARGET_OVERHEAD_MS else "MISSED"
        _report(
            f"{label:<14} {admin_ms:>10.1f} {raw_ms:>11.1f} {difference:>+11.1f}  "
            f"<= +{TARGET_OVERHEAD_MS} ms: {verdict}"
        )

    _report("\nSQL on campaigns_click sent by the admin pages:")
    for sql in dict.fromkeys(seen_sql):
        _report(f"  {sql[:220]}{'…' if len(sql) > 220 else ''}")

    from campaigns.models import Click

    def count_all():
        Click.objects.count()

    def date_hierarchy_years():
        list(Click.objects.dates("created_at", "year"))

    _report("\nfor reference, what the admin avoids:")
    _report(f"  COUNT(*) over the table:              {_median_ms(count_all, 3):8.1f} ms")
    _report(
        f"  date_hierarchy DISTINCT year query:   {_median_ms(date_hierarchy_years, 3):8.1f} ms"
    )
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="clicks to load")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per page")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 200 or not 1_000 <= args.rows <= 5_000_000:
        parser.error("--repeat must be 1..200 and --rows 1,000..5,000,000")

    _configure_environment()
    _admin_database(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
    _admin_database(f'CREATE DATABASE "{DATABASE_NAME}"')
    try:
        _measure(args.repeat, args.rows)
    finally:
        _admin_database(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
