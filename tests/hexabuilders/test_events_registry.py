"""Event declarations and payload schemas: what ``publish`` accepts and rejects."""

import datetime as dt
import decimal
import uuid

import pytest

from hexabuilders.events import EventDeclarationError, EventType, publish
from hexabuilders.events.registry import Registry
from hexabuilders.models import OutboxEvent
from tests.hexabuilders.outbox_handlers import MEASURED, PINGED

pytestmark = pytest.mark.django_db

VALID_MEASURED = {
    "count": 3,
    "flag": True,
    "amount": decimal.Decimal("12500.50"),
    "at": dt.datetime(2025, 3, 1, 14, 30, tzinfo=dt.UTC),
    "on": dt.date(2025, 3, 1),
    "ref": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "tags": ["a", "b"],
    "extra": {"source": "import"},
    "comment": None,
}


def test_publish_rejects_missing_field(outbox_registry):
    with pytest.raises(EventDeclarationError, match=r"missing \['note'\]"):
        publish(PINGED.name, aggregate_id=1, payload={})

    assert OutboxEvent.objects.count() == 0


def test_publish_rejects_extra_field(outbox_registry):
    with pytest.raises(EventDeclarationError, match=r"unexpected \['partner'\]"):
        publish(PINGED.name, aggregate_id=1, payload={"note": "x", "partner": object()})

    assert OutboxEvent.objects.count() == 0


def test_publish_rejects_wrong_type(outbox_registry):
    with pytest.raises(EventDeclarationError, match=r"outbox_test.pinged.note must be str"):
        publish(PINGED.name, aggregate_id=1, payload={"note": 5})

    assert OutboxEvent.objects.count() == 0


def test_publish_rejects_undeclared_event(outbox_registry):
    with pytest.raises(EventDeclarationError, match="'outbox_test.unknown' is not declared"):
        publish("outbox_test.unknown", aggregate_id=1, payload={})

    assert OutboxEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", "3"),
        ("count", True),
        ("count", 3.0),
        ("flag", 1),
        ("amount", 12.5),
        ("amount", "twelve"),
        ("amount", "NaN"),
        ("at", dt.datetime(2025, 3, 1, 14, 30)),
        ("at", "yesterday"),
        ("on", "2025-13-01"),
        ("on", "20250301"),
        ("ref", "not-a-uuid"),
        ("tags", "a,b"),
        ("extra", ["source"]),
        ("comment", 5),
    ],
)
def test_publish_rejects_invalid_field_value(outbox_registry, field, value):
    payload = {**VALID_MEASURED, field: value}

    with pytest.raises(EventDeclarationError, match=f"outbox_test.measured.{field} must be"):
        publish(MEASURED.name, aggregate_id=1, payload=payload)

    assert OutboxEvent.objects.count() == 0


def test_publish_stores_json_ready_payload(outbox_registry):
    row = publish(MEASURED.name, aggregate_id=42, payload=VALID_MEASURED)
    stored = OutboxEvent.objects.get(pk=row.pk)

    assert stored.type == "outbox_test.measured"
    assert stored.version == 2
    assert stored.aggregate_type == "outbox_test"
    assert stored.aggregate_id == "42"
    assert stored.payload == {
        "count": 3,
        "flag": True,
        "amount": "12500.50",
        "at": "2025-03-01T14:30:00+00:00",
        "on": "2025-03-01",
        "ref": "12345678-1234-5678-1234-567812345678",
        "tags": ["a", "b"],
        "extra": {"source": "import"},
        "comment": None,
    }


def test_event_type_rejects_name_without_verb():
    with pytest.raises(EventDeclarationError, match="is not '<aggregate>.<verb>'"):
        EventType(name="partner", version=1, aggregate_type="partner", fields={}, description="")


def test_event_type_rejects_unknown_field_type():
    with pytest.raises(EventDeclarationError, match="unknown type 'float'"):
        EventType(
            name="partner.rated",
            version=1,
            aggregate_type="partner",
            fields={"score": "float"},
            description="",
        )


def test_declare_rejects_conflicting_redeclaration():
    registry = Registry()
    registry.declare(PINGED)
    changed = EventType(
        name=PINGED.name,
        version=2,
        aggregate_type=PINGED.aggregate_type,
        fields=PINGED.fields,
        description=PINGED.description,
    )

    with pytest.raises(EventDeclarationError, match="declared twice"):
        registry.declare(changed)


def test_temporary_changes_restores_registry():
    registry = Registry()
    registry.declare(PINGED)

    with registry.temporary_changes():
        registry.declare(MEASURED)

        @registry.subscribe(PINGED.name)
        def on_pinged(event):
            pass

    assert list(registry.event_types) == [PINGED.name]
    assert registry.handler_names_for(PINGED.name) == []
    assert registry.handlers == {}
