"""The staff screens for campaigns, enrollments, tracking links, clicks and conversions.

Every campaign transition and enrollment decision is an admin action calling the
same service as the rest of the code, reported per row and recorded in the admin
history (LogEntry). Clicks and conversions grow to millions of rows, so their
lists never count the table, sort only by the primary key, and filter dates by
range instead of the date hierarchy (whose SELECT DISTINCT over dates reads the
whole table).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.paginator import Paginator
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from campaigns import selectors_admin, services
from campaigns.models import Audience, Campaign, Click, Conversion, Enrollment, TrackingLink
from campaigns.selectors_partner import tracking_url
from hexabuilders.admin import ReadOnlyAdminMixin
from hexabuilders.admin_guards import CheckedAutocompleteMixin, InputGuardsMixin, is_valid_value
from partners.models import Partner

BADGE_COLOURS = {
    Campaign.Status.DRAFT: "#6c757d",
    Campaign.Status.SCHEDULED: "#0d6efd",
    Campaign.Status.ACTIVE: "#198754",
    Campaign.Status.PAUSED: "#b35c00",
    Campaign.Status.COMPLETED: "#495057",
    Campaign.Status.CANCELLED: "#b02a37",
    Enrollment.Status.INVITED: "#0d6efd",
    Enrollment.Status.REQUESTED: "#b35c00",
    Enrollment.Status.APPROVED: "#198754",
    Enrollment.Status.REJECTED: "#b02a37",
    Enrollment.Status.REMOVED: "#495057",
}


def status_badge(status: str, label: str) -> str:
    return format_html(
        '<span style="background:{};color:#fff;border-radius:8px;padding:1px 8px;'
        'white-space:nowrap">{}</span>',
        BADGE_COLOURS.get(status, "#6c757d"),
        label,
    )


# Lists of big tables.


class EstimatedCountPaginator(Paginator):
    """A paginator that never counts a whole big table.

    An unfiltered list takes the planner's estimate. A filtered list counts its
    rows exactly up to ``exact_limit``, which reads at most that many index
    entries, and beyond it takes the larger of the limit and the estimate. Page
    links past an estimate may be empty, and a low estimate may hide the last
    pages, so staff narrow such lists with filters.
    """

    exact_limit = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            return selectors_admin.estimated_count(queryset)
        counted = selectors_admin.bounded_count(queryset, limit=self.exact_limit + 1)
        if counted <= self.exact_limit:
            return counted
        return max(counted, selectors_admin.estimated_count(queryset))


class AutocompleteListFilter(admin.SimpleListFilter):
    """Filter by a foreign key chosen with the admin's autocomplete widget.

    Django's related filters list every related row, or scan the table for the
    values in use (``RelatedOnlyFieldListFilter``). This one lists nothing and
    queries the related admin's search as the user types.
    """

    template = "admin/campaigns/autocomplete_filter.html"
    field_name = ""

    def __init__(self, request, params, model, model_admin):
        self.parameter_name = f"{self.field_name}__id__exact"
        self.model = model
        self.admin_site = model_admin.admin_site
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        # SimpleListFilter hides itself without lookups, but the widget provides the choices.
        return [("", "")]

    def has_output(self) -> bool:
        return True

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        # Django checks the values of its field filters but not of a SimpleListFilter,
        # so an id such as "abc" would raise ValueError in the query.
        target = self.model._meta.get_field(self.field_name).target_field
        if not is_valid_value(target, value):
            raise IncorrectLookupParameters(f"{self.parameter_name}={value!r} is not a valid id")
        return queryset.filter(**{f"{self.field_name}_id": value})

    def widget_html(self) -> str:
        field = self.model._meta.get_field(self.field_name)
        widget = AutocompleteSelect(
            field, self.admin_site, attrs={"data-filter-parameter": self.parameter_name}
        )
        # The widget renders only the chosen row, so this queryset is never listed whole.
        widget.choices = forms.ModelChoiceField(
            queryset=field.related_model._default_manager.all(), required=False
        ).choices
        return widget.render(self.parameter_name, self.value() or "", attrs={"id": ""})


class CampaignListFilter(AutocompleteListFilter):
    title = _("campaign")
    field_name = "campaign"


class PartnerListFilter(AutocompleteListFilter):
    title = _("partner")
    field_name = "partner"


class DateRangeListFilter(admin.DateFieldListFilter):
    """Django's date presets plus a from/before form over the same range parameters.

    Both send ``<field>__gte`` and ``<field>__lt``, which an index on the field
    serves, unlike ``date_hierarchy``'s DISTINCT over every row's date.
    """

    template = "admin/campaigns/date_range_filter.html"

    def choices(self, changelist):
        ours = {self.lookup_kwarg_since, self.lookup_kwarg_until}
        self.hidden_params = [
            (name, value) for name, value in changelist.params.items() if name not in ours
        ]
        self.range_from = changelist.params.get(self.lookup_kwarg_since, "")[:10]
        self.range_before = changelist.params.get(self.lookup_kwarg_until, "")[:10]
        return super().choices(changelist)

    def queryset(self, request, queryset):
        # The form sends bare dates; read them as midnight in the active time zone,
        # as the presets' values already are, instead of naive datetimes.
        for name in (self.lookup_kwarg_since, self.lookup_kwarg_until):
            values = self.used_parameters.get(name)
            if values:
                self.used_parameters[name] = [_aware_midnight(value) for value in values]
        return super().queryset(request, queryset)


def _aware_midnight(value: str) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min)).isoformat()


class BigTableAdmin(InputGuardsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only list of a table with millions of rows."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Facet counts run one COUNT per filter choice over the filtered table.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 100
    # Sorting by another column would sort the whole table, and the primary key
    # is already in creation order.
    sortable_by: tuple[str, ...] = ()
    list_filter = (
        CampaignListFilter,
        PartnerListFilter,
        ("created_at", DateRangeListFilter),
    )

    @property
    def media(self):
        field = self.model._meta.get_field("campaign")
        return super().media + AutocompleteSelect(field, self.admin_site).media

    def get_ordering(self, request):
        return ("-pk",)


# Campaigns.


class AudienceInline(admin.StackedInline):
    model = Audience
    extra = 0
    max_num = 1
    can_delete = False


class EnrollmentInline(CheckedAutocompleteMixin, admin.TabularInline):
    """Partners in the campaign. A row added here is an invitation, approved at once."""

    model = Enrollment
    extra = 0
    fields = ("partner", "status_column", "total_budget", "daily_budget", "spent", "link_column")
    readonly_fields = ("status_column", "spent", "link_column")
    autocomplete_fields = ("partner",)
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner", "link")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    @admin.display(description=_("status"))
    def status_column(self, enrollment: Enrollment) -> str:
        if not enrollment.pk:
            return "—"
        return status_badge(enrollment.status, enrollment.get_status_display())

    @admin.display(description=_("tracking link"))
    def link_column(self, enrollment: Enrollment) -> str:
        link = getattr(enrollment, "link", None) if enrollment.pk else None
        return tracking_url(link.code) if link is not None else "—"


@admin.register(Campaign)
class CampaignAdmin(InputGuardsMixin, admin.ModelAdmin):
    # Django 6 makes https the default scheme of typed addresses; use it already.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "name",
        "status_column",
        "kind",
        "starts_at",
        "ends_at",
        "currency",
        "budget_column",
        "pacing_column",
    )
    list_filter = ("status", "kind", "currency", "fraud_mode")
    search_fields = ("name",)
    search_help_text = _("Search by campaign name.")
    list_per_page = 50
    ordering = ("-created_at", "-pk")
    readonly_fields = (
        "status_column",
        "spent",
        "pacing_summary",
        "postback_secret_display",
        "live_link",
        "created_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (_("Campaign"), {"fields": ("name", "kind", "description", "goals")}),
        (_("Schedule"), {"fields": ("status_column", "starts_at", "ends_at", "live_link")}),
        (_("Destination"), {"fields": ("landing_url", "allowed_domains")}),
        (
            _("Payout and budget"),
            {
                "fields": (
                    "currency",
                    "payout_amount",
                    "payout_percent",
                    "total_budget",
                    "daily_budget",
                    "spent",
                    "pacing_summary",
                )
            },
        ),
        (
            _("Attribution and fraud"),
            {
                "fields": (
                    "attribution_window_days",
                    "unique_click_window_hours",
                    "fraud_mode",
                    "min_click_to_conversion_seconds",
                    "max_conversions_per_ip_per_day",
                )
            },
        ),
        (_("Postback"), {"fields": ("postback_secret_display",)}),
        (_("History"), {"fields": ("created_by", "created_at", "updated_at")}),
    )
    inlines = (AudienceInline, EnrollmentInline)
    actions = ("schedule", "launch", "pause", "complete", "cancel", "rotate_secret")

    # List columns.

    @admin.display(description=_("status"), ordering="status")
    def status_column(self, campaign: Campaign) -> str:
        if not campaign.pk:
            return "—"
        return status_badge(campaign.status, campaign.get_status_display())

    @admin.display(description=_("spent / total budget"))
    def budget_column(self, campaign: Campaign) -> str:
        if campaign.total_budget is None:
            return format_html("{} / {}", campaign.spent, gettext("no cap"))
        return format_html("{} / {}", campaign.spent, campaign.total_budget)

    @admin.display(description=_("pace"))
    def pacing_column(self, campaign: Campaign) -> str:
        figures = selectors_admin.campaign_pacing(campaign)
        if figures.pace_ratio is None:
            return "—"
        return format_html("{}×", f"{figures.pace_ratio:.2f}")

    @admin.display(description=_("pacing"))
    def pacing_summary(self, campaign: Campaign) -> str:
        if not campaign.pk:
            return "—"
        figures = selectors_admin.campaign_pacing(campaign)
        lines = []
        if figures.elapsed_fraction is not None:
            lines.append(
                gettext("%(percent)d%% of the schedule has passed.")
                % {"percent": round(figures.elapsed_fraction * 100)}
            )
        if figures.pace_ratio is not None:
            lines.append(
                gettext("Pace: %(ratio).2f× (above 1 the budget runs out before the end date).")
                % {"ratio": figures.pace_ratio}
            )
        if figures.projected_exhaustion is not None:
            lines.append(
                gettext("Projected exhaustion: %(when)s.")
                % {
                    "when": date_format(
                        timezone.localtime(figures.projected_exhaustion), "SHORT_DATETIME_FORMAT"
                    )
                }
            )
        if figures.daily_cap is not None:
            lines.append(
                gettext("Spent today: %(spent)s of %(cap)s.")
                % {"spent": figures.spent_today, "cap": figures.daily_cap}
            )
        if not lines:
            return gettext("No pacing yet: it needs a total budget and start and end dates.")
        return format_html("<br>".join(["{}"] * len(lines)), *lines)

    @admin.display(description=_("live results"))
    def live_link(self, campaign: Campaign) -> str:
        if not campaign.pk:
            return "—"
        url = reverse("campaigns_live:staff_dashboard", args=[campaign.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Open the live dashboard"))

    @admin.display(description=_("postback secret"))
    def postback_secret_display(self, campaign: Campaign) -> str:
        if not campaign.pk:
            return gettext("The secret is created when the campaign is saved.")
        endpoint = f"{settings.PUBLIC_URL}/postback"
        return format_html(
            "<code>{}</code><p>{}</p><p><code>{}?campaign={}&amp;token={}&amp;…</code></p><p>{}</p>",
            campaign.postback_secret,
            gettext(
                "Give this secret to the advertiser only. Their server reports each "
                "conversion to the address below with the campaign id, the secret as "
                "token, their transaction id and the click id their landing page "
                "received. Instead of sending the token they may sign each request with "
                "HMAC-SHA256 keyed with this secret, with a timestamp."
            ),
            endpoint,
            campaign.pk,
            campaign.postback_secret,
            gettext(
                "If the secret leaks, use the “Rotate postback secret” action; postbacks "
                "with the old secret are rejected from then on."
            ),
        )

    # Saving: a new campaign goes through the service that publishes campaign.created.

    def save_model(self, request, obj: Campaign, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        model_fields = {field.name for field in Campaign._meta.concrete_fields}
        values = {name: getattr(obj, name) for name in form.cleaned_data if name in model_fields}
        created = services.create_campaign(actor=request.user, **values)
        for field in Campaign._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Enrollment:
            super().save_formset(request, form, formset, change)
            return
        for enrollment in formset.save(commit=False):
            if enrollment.pk:
                enrollment.save(update_fields=["total_budget", "daily_budget"])
                continue
            try:
                invited = services.invite_partner(
                    campaign=form.instance, partner=enrollment.partner, actor=request.user
                )
            except services.CampaignError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
                continue
            invited.total_budget = enrollment.total_budget
            invited.daily_budget = enrollment.daily_budget
            invited.save(update_fields=["total_budget", "daily_budget"])
            self.log_change(
                request,
                form.instance,
                gettext("Invited %(partner)s.") % {"partner": enrollment.partner},
            )

    # Transitions. Each campaign changes in its own transaction, so one rejection
    # does not undo the others, and every rejection is reported with its reason.

    def _transition(
        self,
        request: HttpRequest,
        queryset: QuerySet[Campaign],
        service: Callable[..., Campaign],
        done_message: Callable[[int], str],
    ) -> None:
        changed: list[Campaign] = []
        for campaign in queryset.order_by("pk"):
            previous = campaign.get_status_display()
            try:
                updated = service(campaign=campaign, actor=request.user)
            except services.CampaignError as exc:
                self.message_user(
                    request,
                    gettext("%(name)s: %(reason)s") % {"name": campaign, "reason": exc.message},
                    messages.ERROR,
                )
                continue
            self.log_change(
                request,
                updated,
                gettext("Status changed from %(old)s to %(new)s.")
                % {"old": previous, "new": updated.get_status_display()},
            )
            changed.append(updated)
        if changed:
            names = ", ".join(str(campaign) for campaign in changed)
            self.message_user(
                request,
                done_message(len(changed)) % {"count": len(changed), "names": names},
                messages.SUCCESS,
            )

    @admin.action(description=_("Schedule"), permissions=("change",))
    def schedule(self, request, queryset):
        self._transition(
            request,
            queryset,
            services.schedule_campaign,
            lambda count: ngettext(
                "Scheduled %(count)d campaign: %(names)s.",
                "Scheduled %(count)d campaigns: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Launch"), permissions=("change",))
    def launch(self, request, queryset):
        self._transition(
            request,
            queryset,
            services.launch_campaign,
            lambda count: ngettext(
                "Launched %(count)d campaign: %(names)s.",
                "Launched %(count)d campaigns: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Pause"), permissions=("change",))
    def pause(self, request, queryset):
        self._transition(
            request,
            queryset,
            services.pause_campaign,
            lambda count: ngettext(
                "Paused %(count)d campaign: %(names)s.",
                "Paused %(count)d campaigns: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Complete"), permissions=("change",))
    def complete(self, request, queryset):
        self._transition(
            request,
            queryset,
            services.complete_campaign,
            lambda count: ngettext(
                "Completed %(count)d campaign: %(names)s.",
                "Completed %(count)d campaigns: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Cancel"), permissions=("change",))
    def cancel(self, request, queryset):
        self._transition(
            request,
            queryset,
            services.cancel_campaign,
            lambda count: ngettext(
                "Cancelled %(count)d campaign: %(names)s.",
                "Cancelled %(count)d campaigns: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Rotate postback secret"), permissions=("change",))
    def rotate_secret(self, request, queryset):
        rotated = []
        for campaign in queryset.order_by("pk"):
            updated = services.rotate_postback_secret(campaign=campaign, actor=request.user)
            self.log_change(request, updated, gettext("Postback secret rotated."))
            rotated.append(str(updated))
        self.message_user(
            request,
            ngettext(
                "Rotated the postback secret of %(count)d campaign: %(names)s. "
                "Give the advertiser the new secret.",
                "Rotated the postback secrets of %(count)d campaigns: %(names)s. "
                "Give the advertisers the new secrets.",
                len(rotated),
            )
            % {"count": len(rotated), "names": ", ".join(rotated)},
            messages.SUCCESS,
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        # Campaigns are cancelled, never deleted, so clicks and conversions keep their campaign.
        return False


# Enrollments and links.


@admin.register(Enrollment)
class EnrollmentAdmin(InputGuardsMixin, admin.ModelAdmin):
    list_display = ("__str__", "campaign", "partner", "status_column", "created_at", "decided_at")
    list_select_related = ("campaign", "partner")
    list_filter = ("status", CampaignListFilter, PartnerListFilter)
    search_fields = ("partner__legal_name", "partner__display_name", "campaign__name")
    autocomplete_fields = ("campaign", "partner")
    readonly_fields = (
        "campaign",
        "partner",
        "status_column",
        "spent",
        "created_at",
        "decided_at",
        "decided_by",
        "link_column",
    )
    fields = (
        "campaign",
        "partner",
        "status_column",
        "note",
        "total_budget",
        "daily_budget",
        "spent",
        "link_column",
        "created_at",
        "decided_at",
        "decided_by",
    )
    ordering = ("-created_at", "-pk")
    actions = ("approve", "reject")

    @property
    def media(self):
        field = Enrollment._meta.get_field("campaign")
        return super().media + AutocompleteSelect(field, self.admin_site).media

    @admin.display(description=_("status"), ordering="status")
    def status_column(self, enrollment: Enrollment) -> str:
        return status_badge(enrollment.status, enrollment.get_status_display())

    @admin.display(description=_("tracking link"))
    def link_column(self, enrollment: Enrollment) -> str:
        link = TrackingLink.objects.filter(enrollment=enrollment).first()
        return tracking_url(link.code) if link is not None else "—"

    def has_add_permission(self, request, obj=None) -> bool:
        # Partners ask to join through the portal or API; staff invite from the campaign.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _decide(self, request, queryset, service, done_message) -> None:
        decided = []
        for enrollment in queryset.select_related("campaign", "partner").order_by("pk"):
            try:
                updated = service(enrollment=enrollment, actor=request.user)
            except services.CampaignError as exc:
                self.message_user(
                    request,
                    gettext("%(name)s: %(reason)s") % {"name": enrollment, "reason": exc.message},
                    messages.ERROR,
                )
                continue
            self.log_change(
                request,
                updated,
                gettext("Status changed to %(new)s.") % {"new": updated.get_status_display()},
            )
            decided.append(str(enrollment))
        if decided:
            self.message_user(
                request,
                done_message(len(decided)) % {"count": len(decided), "names": ", ".join(decided)},
                messages.SUCCESS,
            )

    @admin.action(description=_("Approve"), permissions=("change",))
    def approve(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.approve_enrollment,
            lambda count: ngettext(
                "Approved %(count)d enrollment: %(names)s.",
                "Approved %(count)d enrollments: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Reject"), permissions=("change",))
    def reject(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.reject_enrollment,
            lambda count: ngettext(
                "Rejected %(count)d enrollment: %(names)s.",
                "Rejected %(count)d enrollments: %(names)s.",
                count,
            ),
        )


@admin.register(TrackingLink)
class TrackingLinkAdmin(InputGuardsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "url_column", "campaign_column", "partner_column", "created_at")
    list_select_related = ("enrollment__campaign", "enrollment__partner")
    search_fields = ("=code", "enrollment__campaign__name", "enrollment__partner__legal_name")
    search_help_text = _("Search by exact code, campaign or partner name.")
    fields = (
        "code",
        "url_column",
        "enrollment",
        "destination_url",
        "sub_ids",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("tracking URL"))
    def url_column(self, link: TrackingLink) -> str:
        return tracking_url(link.code)

    @admin.display(description=_("campaign"), ordering="enrollment__campaign__name")
    def campaign_column(self, link: TrackingLink) -> Campaign:
        return link.enrollment.campaign

    @admin.display(description=_("partner"), ordering="enrollment__partner__legal_name")
    def partner_column(self, link: TrackingLink) -> Partner:
        return link.enrollment.partner


# Clicks and conversions.


@admin.register(Click)
class ClickAdmin(BigTableAdmin):
    list_display = (
        "created_at",
        "campaign",
        "partner",
        "code",
        "outcome",
        "device",
        "country",
        "is_unique",
        "is_billable",
        "is_bot",
    )
    list_select_related = ("campaign", "partner")
    list_filter = (*BigTableAdmin.list_filter, "outcome", "is_billable", "is_bot")
    fields = (
        "id",
        "created_at",
        "campaign",
        "partner",
        "link",
        "code",
        "outcome",
        "ip_hash",
        "user_agent",
        "device",
        "country",
        "language",
        "referrer_domain",
        "sub_ids",
        "is_bot",
        "is_unique",
        "is_billable",
    )
    readonly_fields = fields


@admin.register(Conversion)
class ConversionAdmin(BigTableAdmin):
    list_display = (
        "created_at",
        "campaign",
        "partner",
        "transaction_id",
        "amount",
        "original_column",
        "exchange_rate",
        "payout",
        "status",
        "reason_code",
        "flags_column",
    )
    list_select_related = ("campaign", "partner")
    list_filter = (*BigTableAdmin.list_filter, "status", "reason_code")
    # Exact match only: the unique index on (campaign, transaction id) serves it
    # when a campaign is chosen too.
    search_fields = ("=transaction_id",)
    search_help_text = _("Search by exact transaction id; choose the campaign first for speed.")
    fields = (
        "id",
        "created_at",
        "campaign",
        "partner",
        "enrollment",
        "click",
        "transaction_id",
        "status",
        "reason_code",
        "fraud_flags",
        "amount",
        "original_amount",
        "original_currency",
        "exchange_rate",
        "payout",
        "ip_hash",
        "reversed_at",
    )
    readonly_fields = fields

    @admin.display(description=_("amount as reported"))
    def original_column(self, conversion: Conversion) -> str:
        return f"{conversion.original_amount} {conversion.original_currency}"

    @admin.display(description=_("fraud signals"))
    def flags_column(self, conversion: Conversion) -> str:
        return ", ".join(str(flag) for flag in conversion.fraud_flags) or "—"


from campaigns import admin_ad_spend, admin_alerts  # noqa: E402, F401  (register their admins)
