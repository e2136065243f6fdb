"""Staff screens for alert rules and the alerts raised on campaigns' hourly series."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaigns import alerts
from campaigns.models import Alert, AlertRule
from hexabuilders.admin_guards import InputGuardsMixin


@admin.register(AlertRule)
class AlertRuleAdmin(InputGuardsMixin, admin.ModelAdmin):
    list_display = ("campaign", "metric", "threshold", "is_active")
    list_filter = ("metric", "is_active")
    list_select_related = ("campaign",)
    search_fields = ("campaign__name",)
    autocomplete_fields = ("campaign",)


@admin.register(Alert)
class AlertAdmin(InputGuardsMixin, admin.ModelAdmin):
    list_display = ("hour", "campaign", "kind", "metric", "value", "expected", "acknowledged_at")
    list_filter = ("kind", "metric", ("acknowledged_at", admin.EmptyFieldListFilter))
    list_select_related = ("campaign",)
    search_fields = ("campaign__name", "message")
    date_hierarchy = "hour"
    actions = ["acknowledge"]
    fields = (
        "campaign",
        "rule",
        "kind",
        "metric",
        "hour",
        "value",
        "expected",
        "message",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        # Alerts come from the hourly job only.
        return False

    @admin.action(description=_("Acknowledge the selected alerts"), permissions=["change"])
    def acknowledge(self, request, queryset):
        count = alerts.acknowledge_alerts(
            alert_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        self.message_user(
            request,
            ngettext("%(count)d alert acknowledged.", "%(count)d alerts acknowledged.", count)
            % {"count": count},
            messages.SUCCESS,
        )
