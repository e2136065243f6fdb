"""Test-only event types and handlers, shared by the outbox tests and a real Celery worker.

Production code never imports this module. The tests declare the event types
inside ``registry.temporary_changes()`` and subscribe handlers of their own. A worker started with
``--include tests.hexabuilders.outbox_handlers`` calls it on the ``worker_init``
signal, so the worker dispatches the test events to the same handler names.

Handlers record their effect in a table that is not a Django model, so
``makemigrations --check`` never detects it. It exists only in the test
database, and only on PostgreSQL.
"""

from __future__ import annotations

from celery.signals import worker_init
from django.db import connection

from hexabuilders.events import EventType
from hexabuilders.events.registry import Registry, registry

PINGED = EventType(
    name="outbox_test.pinged",
    version=1,
    aggregate_type="outbox_test",
    fields={"note": "str"},
    description="Test-only event with one text field.",
)
MEASURED = EventType(
    name="outbox_test.measured",
    version=2,
    aggregate_type="outbox_test",
    fields={
        "count": "int",
        "flag": "bool",
        "amount": "decimal",
        "at": "datetime",
        "on": "date",
        "ref": "uuid",
        "tags": "list",
        "extra": "dict",
        "comment": "str?",
    },
    description="Test-only event with one field of every payload type.",
)

EFFECTS_TABLE = "outbox_test_effect"
WORKER_HANDLER = "worker"


def create_effects_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {EFFECTS_TABLE} ("
            " id bigserial PRIMARY KEY,"
            " event_id text NOT NULL,"
            " handler text NOT NULL)"
        )


def clear_effects() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {EFFECTS_TABLE}")


def record_effect(event_id: str, handler: str) -> None:
    """Insert one effect row in the caller's transaction, as a real handler's write would."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EFFECTS_TABLE} (event_id, handler) VALUES (%s, %s)",
            [event_id, handler],
        )


def count_effects(*, event_id: str | None = None, handler: str | None = None) -> int:
    query = f"SELECT count(*) FROM {EFFECTS_TABLE} WHERE true"
    params = []
    if event_id is not None:
        query += " AND event_id = %s"
        params.append(str(event_id))
    if handler is not None:
        query += " AND handler = %s"
        params.append(handler)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def record_worker_effect(event) -> None:
    record_effect(event.id, WORKER_HANDLER)


def declare_events(target: Registry = registry) -> None:
    target.declare(PINGED)
    target.declare(MEASURED)


def install(target: Registry = registry) -> None:
    """Declare the test event types and subscribe the worker's handler."""
    declare_events(target)
    target.subscribe(PINGED.name)(record_worker_effect)


@worker_init.connect
def _install_on_worker_start(**kwargs) -> None:
    install()
