"""Staff screens for the outbox: events, their deliveries, and dead letters to retry.

Everything here is read-only, because events are facts and deliveries are the
record of what handlers did. The one write is the dead-letter "Retry" action, which
calls ``retry_dead_letters`` like any other caller would.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hexabuilders.events import registry
from hexabuilders.events.outbox import retry_dead_letters
from hexabuilders.models import DeadLetter, HandlerDelivery, OutboxEvent


class ReadOnlyAdminMixin:
    """Allow viewing only: no add, change or delete, whatever the user's permissions."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class EventTypeFilter(admin.SimpleListFilter):
    """Filter by event type, listing the declared types instead of scanning the table."""

    title = _("type")
    parameter_name = "type"
    lookup = "type"

    def lookups(self, request, model_admin):
        return [(name, name) for name in sorted(registry.event_types)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class DeliveryEventTypeFilter(EventTypeFilter):
    lookup = "event__type"


class AggregateTypeFilter(admin.SimpleListFilter):
    title = _("aggregate type")
    parameter_name = "aggregate_type"

    def lookups(self, request, model_admin):
        names = {event_type.aggregate_type for event_type in registry.event_types.values()}
        return [(name, name) for name in sorted(names)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(aggregate_type=self.value())
        return queryset


class DispatchedFilter(admin.SimpleListFilter):
    title = _("dispatched")
    parameter_name = "dispatched"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(dispatched_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(dispatched_at__isnull=True)
        return queryset


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


def error_summary(text: str) -> str:
    """Return the exception line of a stored traceback, which is its last non-blank line."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


class HandlerDeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = HandlerDelivery
    extra = 0
    fields = ("handler", "status", "attempts", "next_attempt_at", "completed_at", "error")
    readonly_fields = fields
    ordering = ("handler",)

    @admin.display(description=_("last error"))
    def error(self, delivery: HandlerDelivery) -> str:
        return error_summary(delivery.last_error)


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("type", "version", "aggregate", "occurred_at", "dispatched_at")
    list_filter = (EventTypeFilter, AggregateTypeFilter, DispatchedFilter, "occurred_at")
    # A type prefix ("partner.") finds every event of an aggregate; ids match exactly.
    search_fields = ("^type", "=aggregate_id")
    search_help_text = _("Event type, or the start of it, or an exact aggregate id.")
    ordering = ("-occurred_at",)
    # The outbox grows without bound, so the list never counts the whole table.
    show_full_result_count = False
    fields = (
        "id",
        "type",
        "version",
        "aggregate_type",
        "aggregate_id",
        "occurred_at",
        "dispatched_at",
        "payload_json",
    )
    readonly_fields = fields
    inlines = (HandlerDeliveryInline,)

    @admin.display(description=_("aggregate"), ordering="aggregate_id")
    def aggregate(self, event: OutboxEvent) -> str:
        return f"{event.aggregate_type}:{event.aggregate_id}"

    @admin.display(description=_("payload"))
    def payload_json(self, event: OutboxEvent) -> str:
        return pretty_json(event.payload)


class DeliveryAdminBase(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("handler", "event_type", "aggregate", "status", "attempts", "error")
    list_select_related = ("event",)
    search_fields = ("handler", "=event__aggregate_id")
    search_help_text = _("Handler name, or an exact aggregate id.")
    show_full_result_count = False
    fields = (
        "event",
        "handler",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "completed_at",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description=_("event type"), ordering="event__type")
    def event_type(self, delivery: HandlerDelivery) -> str:
        return delivery.event.type

    @admin.display(description=_("aggregate"))
    def aggregate(self, delivery: HandlerDelivery) -> str:
        return f"{delivery.event.aggregate_type}:{delivery.event.aggregate_id}"

    @admin.display(description=_("last error"))
    def error(self, delivery: HandlerDelivery) -> str:
        return error_summary(delivery.last_error)


@admin.register(HandlerDelivery)
class HandlerDeliveryAdmin(DeliveryAdminBase):
    list_display = (*DeliveryAdminBase.list_display, "next_attempt_at")
    list_filter = ("status", DeliveryEventTypeFilter)
    ordering = ("-created_at",)


@admin.register(DeadLetter)
class DeadLetterAdmin(DeliveryAdminBase):
    list_display = (*DeliveryAdminBase.list_display, "created_at")
    list_filter = (DeliveryEventTypeFilter,)
    ordering = ("-created_at",)
    actions = ("retry",)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    @admin.action(description=_("Retry the selected dead letters"), permissions=("retry",))
    def retry(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        requeued = retry_dead_letters(selected)
        self.message_user(
            request,
            ngettext(
                "%(count)d dead letter re-queued.",
                "%(count)d dead letters re-queued.",
                requeued,
            )
            % {"count": requeued},
            messages.SUCCESS,
        )
        skipped = len(selected) - requeued
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected delivery was no longer a dead letter and was skipped.",
                    "%(count)d selected deliveries were no longer dead letters and were skipped.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
