"""Health probes for the database, the cache, the broker and file storage.

The cache and broker probes give up after ``HEALTH_CHECK_TIMEOUT`` seconds each. The
database probe relies on the database driver's own connect timeout.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from kombu import Connection

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("value written to the cache was not read back")
    cache.delete(key)


def check_broker() -> None:
    """Connect to the configured broker once; eager mode has no broker to check."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    timeout = settings.HEALTH_CHECK_TIMEOUT
    transport_options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=transport_options
    ) as conn:
        # kombu waits 2 s before a retry by default; a probe should fail fast instead.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


def check_storage() -> None:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            if handle.read() != b"ok":
                raise RuntimeError("file written to storage was not read back")
    finally:
        default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def run_checks() -> dict[str, dict]:
    """Run every probe and return ``{name: {"ok": bool, "ms": float, "error": str}}``.

    ``error`` is present only for a failed probe and names the exception class. The
    message goes to the log only, because it can contain host names and the health
    endpoint is public.
    """
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:
            logger.warning("health check %s failed: %s", name, exc, exc_info=True)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results
