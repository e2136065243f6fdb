"""Declarations of domain event types and of the handlers subscribed to them.

Each app declares the events it publishes in its ``events.py`` and subscribes its
handlers there too; the app's ``AppConfig.ready`` imports that module, so the
registry is complete once Django has started.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# Payload values must survive a JSON round trip, so these are the only field types.
PAYLOAD_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "decimal": (str,),
    "datetime": (str,),
    "date": (str,),
    "uuid": (str,),
    "list": (list,),
    "dict": (dict,),
}


def _is_decimal(text: str) -> bool:
    try:
        return decimal.Decimal(text).is_finite()
    except decimal.InvalidOperation:
        return False


def _is_aware_datetime(text: str) -> bool:
    try:
        return dt.datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# Types carried as strings must also parse back: an ISO date, an aware ISO datetime,
# a finite decimal, a UUID.
STRING_FORMATS: dict[str, Callable[[str], bool]] = {
    "decimal": _is_decimal,
    "datetime": _is_aware_datetime,
    "date": _is_date,
    "uuid": _is_uuid,
}


class EventDeclarationError(Exception):
    """An event type or handler declared twice, or a payload that breaks its schema."""


@dataclass(frozen=True)
class EventType:
    """A named, versioned event and the fields its payload carries.

    ``fields`` maps each payload field to one of the names in ``PAYLOAD_TYPES``;
    a field whose type ends in ``?`` may be ``None``.
    """

    name: str
    version: int
    aggregate_type: str
    fields: dict[str, str]
    description: str

    def __post_init__(self) -> None:
        aggregate, _, verb = self.name.partition(".")
        if not aggregate or not verb:
            raise EventDeclarationError(f"Event name {self.name!r} is not '<aggregate>.<verb>'.")
        for field_name, type_name in self.fields.items():
            if type_name.rstrip("?") not in PAYLOAD_TYPES:
                raise EventDeclarationError(
                    f"{self.name}.{field_name} has unknown type {type_name!r}."
                )

    def build_payload(self, values: dict[str, Any]) -> dict[str, Any]:
        """Return ``values`` as a JSON-ready payload, or raise when it breaks the schema."""
        missing = self.fields.keys() - values.keys()
        extra = values.keys() - self.fields.keys()
        if missing or extra:
            raise EventDeclarationError(
                f"{self.name} payload: missing {sorted(missing)}, unexpected {sorted(extra)}."
            )
        payload = {}
        for field_name, type_name in self.fields.items():
            value = _to_json_value(values[field_name])
            nullable = type_name.endswith("?")
            allowed = PAYLOAD_TYPES[type_name.rstrip("?")]
            if value is None and nullable:
                payload[field_name] = None
                continue
            if not isinstance(value, allowed) or (bool in allowed) != isinstance(value, bool):
                raise EventDeclarationError(
                    f"{self.name}.{field_name} must be {type_name}, got {value!r}."
                )
            is_valid_text = STRING_FORMATS.get(type_name.rstrip("?"))
            if is_valid_text is not None and not is_valid_text(value):
                raise EventDeclarationError(
                    f"{self.name}.{field_name} must be {type_name}, got {value!r}."
                )
            payload[field_name] = value
        return payload


def _to_json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


Handler = Callable[..., None]


@dataclass
class Registry:
    event_types: dict[str, EventType] = field(default_factory=dict)
    handlers: dict[str, Handler] = field(default_factory=dict)
    subscriptions: dict[str, list[str]] = field(default_factory=dict)

    def declare(self, event_type: EventType) -> EventType:
        existing = self.event_types.get(event_type.name)
        if existing is not None and existing != event_type:
            raise EventDeclarationError(f"Event {event_type.name} is declared twice.")
        self.event_types[event_type.name] = event_type
        return event_type

    def subscribe(self, *event_names: str) -> Callable[[Handler], Handler]:
        """Register the decorated function as a handler of each named event."""

        def decorator(function: Handler) -> Handler:
            handler_name = f"{function.__module__}.{function.__qualname__}"
            self.handlers[handler_name] = function
            for event_name in event_names:
                names = self.subscriptions.setdefault(event_name, [])
                if handler_name not in names:
                    names.append(handler_name)
            return function

        return decorator

    def get(self, event_name: str) -> EventType:
        try:
            return self.event_types[event_name]
        except KeyError:
            raise EventDeclarationError(f"Event {event_name!r} is not declared.") from None

    def handler_names_for(self, event_name: str) -> list[str]:
        return list(self.subscriptions.get(event_name, ()))

    def get_handler(self, handler_name: str) -> Handler | None:
        return self.handlers.get(handler_name)

    @contextlib.contextmanager
    def temporary_changes(self) -> Iterator[Registry]:
        """Undo, on exit, every declaration and subscription made inside the block.

        Tests use it to add event types and handlers that must not leak into other
        tests; it is not thread-safe against declarations made elsewhere meanwhile.
        """
        event_types = dict(self.event_types)
        handlers = dict(self.handlers)
        subscriptions = {name: list(names) for name, names in self.subscriptions.items()}
        try:
            yield self
        finally:
            self.event_types.clear()
            self.event_types.update(event_types)
            self.handlers.clear()
            self.handlers.update(handlers)
            self.subscriptions.clear()
            self.subscriptions.update(subscriptions)


registry = Registry()
declare = registry.declare
subscribe = registry.subscribe
