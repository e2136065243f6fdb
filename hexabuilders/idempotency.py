"""Run a creating request at most once per ``Idempotency-Key``.

The first request with a key inserts an ``IdempotencyRecord`` and keeps its
transaction open while it does its work and stores the response. A concurrent
request with the same key blocks on the unique (scope, key) index until the first
one commits, then finds the stored response and returns it. If the first request
fails, its record rolls back with its work and the next request runs afresh, so
only successful responses are replayed.

NOTE: the concurrent case is tested on PostgreSQL. SQLite's IMMEDIATE transactions
serialise the requests before they reach the index, which should give the same
result but has no test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from hexabuilders.models import IdempotencyRecord

logger = logging.getLogger(__name__)

# A key identifies a retry of one request; after this long it may be used again.
RETENTION = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(Exception):
    """The key was already used within ``RETENTION`` for a different request."""


@dataclass(frozen=True)
class IdempotentResponse:
    status: int
    body: Any
    replayed: bool


def fingerprint_request(*, method: str, path: str, data: Any) -> str:
    """Return a SHA-256 hex digest of the request, insensitive to key order in ``data``."""
    canonical = json.dumps(
        [method.upper(), path, data], sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _redact(body: Any, fields: Iterable[str]) -> Any:
    if not isinstance(body, dict):
        return body
    return {name: (None if name in fields else value) for name, value in body.items()}


def _to_json(body: Any) -> Any:
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def run_once(
    *,
    scope: str,
    key: str,
    fingerprint: str,
    execute: Callable[[], tuple[int, Any]],
    redacted_fields: Iterable[str] = (),
) -> IdempotentResponse:
    """Call ``execute`` unless ``(scope, key)`` already has a response, and return the response.

    ``execute`` returns ``(status, body)`` and runs inside this function's transaction,
    so its writes commit together with the stored response. Fields named in
    ``redacted_fields`` are stored as null, for values such as secrets that must be
    shown once only. Raises ``IdempotencyKeyReused`` when the stored request had
    another fingerprint.
    """
    with transaction.atomic():
        # The same statement finds and locks the record. A concurrent purge_expired
        # either deletes it first, so a new record is created here, or waits for this
        # transaction and then deletes the record only if it is still expired.
        record, created = IdempotencyRecord.objects.select_for_update().get_or_create(
            scope=scope, key=key, defaults={"fingerprint": fingerprint}
        )
        if not created:
            if record.created_at <= timezone.now() - RETENTION:
                record.fingerprint = fingerprint
                record.created_at = timezone.now()
            elif record.fingerprint != fingerprint:
                raise IdempotencyKeyReused(key)
            else:
                logger.info("idempotency key %r of %s replayed", key, scope)
                return IdempotentResponse(record.response_status, record.response_body, True)

        status, body = execute()
        if not 200 <= status < 300:
            # Only successes are replayed; a failed attempt leaves no record behind.
            transaction.set_rollback(True)
            return IdempotentResponse(status, body, False)

        record.response_status = status
        record.response_body = _to_json(_redact(body, set(redacted_fields)))
        record.save()
        return IdempotentResponse(status, body, False)


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete records older than ``RETENTION`` and return how many were deleted.

    The beat job ``purge-idempotency-records`` runs this every hour. Until it runs,
    ``run_once`` treats an expired record as absent, so a late purge only leaves rows
    in the table.
    """
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _detail = IdempotencyRecord.objects.filter(created_at__lte=cutoff).delete()
    return deleted
