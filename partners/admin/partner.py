"""The staff screen for partners.

Every status change is an admin action that calls the same service as the API, and
the add and change forms save through ``services.create_partner`` and
``services.update_partner``. Changes appear in the admin's history (LogEntry).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from import_export.admin import ImportExportModelAdmin
from import_export.results import RowResult

from hexabuilders.admin_guards import ImportExportGuardsMixin, InputGuardsMixin
from partners import services
from partners.admin.guards import TypedPhoneMixin
from partners.admin_forms import (
    MemberInviteForm,
    PartnerAdminForm,
    PartnerExportForm,
    PartnerImportForm,
    StatusChangeReasonForm,
)
from partners.imports.cells import compact_tax_id
from partners.imports.formats import PARTNER_FORMATS, SpreadsheetFileError
from partners.imports.resources import PartnerResource
from partners.models import ApiKey, Partner, PartnerContact, PartnerMember

# Staff who may change partners but not add them (Finance) edit only these fields.
PAYOUT_FIELDS = (
    "payout_method",
    "iban",
    "bic",
    "paypal_email",
    "bank_name",
    "bank_account_number",
    "bank_account_type",
)

STATUS_COLOURS = {
    Partner.Status.APPLICANT: "#6c757d",
    Partner.Status.ONBOARDING: "#0d6efd",
    Partner.Status.ACTIVE: "#198754",
    Partner.Status.SUSPENDED: "#b35c00",
    Partner.Status.TERMINATED: "#b02a37",
}


def status_badge(status: str, label: str) -> str:
    return format_html(
        '<span style="background:{};color:#fff;border-radius:8px;padding:1px 8px;'
        'white-space:nowrap">{}</span>',
        STATUS_COLOURS.get(status, "#6c757d"),
        label,
    )


class PartnerContactInline(TypedPhoneMixin, admin.TabularInline):
    model = PartnerContact
    extra = 0
    fields = ("name", "role", "email", "phone", "is_primary")


class PartnerMemberInline(admin.TabularInline):
    model = PartnerMember
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)


class ApiKeyInline(admin.TabularInline):
    """The partner's keys, read-only. Staff never see a secret and revoke keys in the key list."""

    model = ApiKey
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = ("name", "prefix", "scope", "expires_at", "revoked_at", "last_used_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(
    TypedPhoneMixin, InputGuardsMixin, ImportExportGuardsMixin, ImportExportModelAdmin
):
    form = PartnerAdminForm
    list_display = (
        "name_column",
        "kind",
        "country",
        "tax_id_column",
        "status_column",
        "tier",
        "account_manager",
    )
    list_select_related = ("account_manager",)
    list_filter = (
        "status",
        "kind",
        ("country", CountryFilter),
        "tier",
        ("account_manager", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("legal_name", "display_name", "tax_id", "email")
    search_help_text = _(
        "Search by legal or display name, tax id (with or without dots) or e-mail."
    )
    autocomplete_fields = ("account_manager",)
    date_hierarchy = "joined_on"
    list_per_page = 50
    show_full_result_count = False
    ordering = ("legal_name",)
    readonly_fields = ("status_column", "formatted_tax_id", "created_at", "updated_at")
    fieldsets = (
        (
            _("Identity"),
            {"fields": ("legal_name", "display_name", "kind", "country", "tax_id")},
        ),
        (_("Contact"), {"fields": ("email", "phone", "city", "website")}),
        (
            _("Commercial terms"),
            {
                "fields": (
                    "tier",
                    "default_currency",
                    "commission_rate",
                    "joined_on",
                    "account_manager",
                )
            },
        ),
        (_("Payout"), {"fields": PAYOUT_FIELDS}),
        (
            _("Status"),
            {"fields": ("status_column", "formatted_tax_id", "created_at", "updated_at")},
        ),
    )
    inlines = (PartnerContactInline, PartnerMemberInline, ApiKeyInline)
    actions = ("start_onboarding", "activate", "suspend", "terminate")

    resource_classes = (PartnerResource,)
    import_formats = PARTNER_FORMATS
    import_form_class = PartnerImportForm
    export_formats = PARTNER_FORMATS
    export_form_class = PartnerExportForm
    change_form_template = "admin/partners/partner/change_form.html"
    import_template_name = "admin/partners/partner/import.html"

    # List columns.

    @admin.display(description=_("partner"), ordering="legal_name")
    def name_column(self, partner: Partner) -> str:
        if partner.display_name and partner.display_name != partner.legal_name:
            return format_html(
                "<strong>{}</strong><br><small>{}</small>",
                partner.display_name,
                partner.legal_name,
            )
        return partner.legal_name

    @admin.display(description=_("tax id"), ordering="tax_id")
    def tax_id_column(self, partner: Partner) -> str:
        return partner.formatted_tax_id

    @admin.display(description=_("status"), ordering="status")
    def status_column(self, partner: Partner) -> str:
        return status_badge(partner.status, partner.get_status_display())

    @admin.display(description=_("tax id as printed"))
    def formatted_tax_id(self, partner: Partner) -> str:
        return partner.formatted_tax_id if partner.pk else "—"

    # Search: a tax id typed as 890.903.938-8 also finds the stored 8909039388.

    def get_search_results(self, request, queryset, search_term):
        filtered = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        compact = compact_tax_id(search_term.strip())
        if compact and compact != search_term.strip() and any(ch.isdigit() for ch in compact):
            queryset |= filtered.filter(tax_id__icontains=compact)
        return queryset, may_have_duplicates

    # Forms: Finance edits payout fields only, and saving goes through the services.

    def can_edit_profile(self, request: HttpRequest) -> bool:
        return request.user.has_perm("partners.add_partner")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.can_edit_profile(request):
            profile = [
                name
                for fieldset in self.fieldsets
                for name in fieldset[1]["fields"]
                if name not in PAYOUT_FIELDS and name not in readonly
            ]
            readonly.extend(profile)
        return readonly

    def save_model(self, request, obj: Partner, form, change: bool) -> None:
        model_fields = {field.name for field in Partner._meta.concrete_fields}
        if not change:
            values = {
                name: getattr(obj, name) for name in form.cleaned_data if name in model_fields
            }
            created = services.create_partner(actor=request.user, **values)
            for field in Partner._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            obj._state.db = created._state.db
            return
        data = {name: getattr(obj, name) for name in form.changed_data if name in model_fields}
        if data:
            updated = services.update_partner(partner=obj, actor=request.user, data=data)
            obj.updated_at = updated.updated_at

    # Status actions. Each partner is changed in its own transaction, so one rejection
    # does not undo the others. Every rejection is reported with the service's reason.

    def has_change_status_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("partners.change_partner_status")

    def _change_status(
        self,
        request: HttpRequest,
        queryset: QuerySet[Partner],
        service: Callable[..., Partner],
        done_message: Callable[[int], str],
        reason: str = "",
    ) -> None:
        changed: list[Partner] = []
        for partner in queryset.order_by("pk"):
            previous = partner.get_status_display()
            kwargs = {"reason": reason} if reason else {}
            try:
                updated = service(partner=partner, actor=request.user, **kwargs)
            except services.PartnerError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
                continue
            message = gettext("Status changed from %(old)s to %(new)s.") % {
                "old": previous,
                "new": updated.get_status_display(),
            }
            if reason:
                reason_text = gettext("Reason: %(reason)s") % {"reason": reason}
                message = f"{message} {reason_text}"
            self.log_change(request, updated, message)
            changed.append(updated)
        if changed:
            names = ", ".join(str(partner) for partner in changed)
            self.message_user(
                request,
                done_message(len(changed)) % {"count": len(changed), "names": names},
                messages.SUCCESS,
            )

    @admin.action(description=_("Start onboarding"), permissions=("change_status",))
    def start_onboarding(self, request, queryset):
        self._change_status(
            request,
            queryset,
            services.start_onboarding,
            lambda count: ngettext(
                "Onboarding started for %(count)d partner: %(names)s.",
                "Onboarding started for %(count)d partners: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Activate"), permissions=("change_status",))
    def activate(self, request, queryset):
        self._change_status(
            request,
            queryset,
            services.activate_partner,
            lambda count: ngettext(
                "Activated %(count)d partner: %(names)s.",
                "Activated %(count)d partners: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Suspend"), permissions=("change_status",))
    def suspend(self, request, queryset):
        return self._confirm_status_change(
            request,
            queryset,
            action="suspend",
            title=gettext("Suspend partners"),
            warning=gettext(
                "Suspended partners' links and API keys stop working until they are "
                "activated again."
            ),
            service=services.suspend_partner,
            done_message=lambda count: ngettext(
                "Suspended %(count)d partner: %(names)s.",
                "Suspended %(count)d partners: %(names)s.",
                count,
            ),
        )

    @admin.action(description=_("Terminate"), permissions=("change_status",))
    def terminate(self, request, queryset):
        return self._confirm_status_change(
            request,
            queryset,
            action="terminate",
            title=gettext("Terminate partners"),
            warning=gettext(
                "Termination is final: it cannot be undone and it revokes every API key "
                "of these partners."
            ),
            service=services.terminate_partner,
            done_message=lambda count: ngettext(
                "Terminated %(count)d partner: %(names)s.",
                "Terminated %(count)d partners: %(names)s.",
                count,
            ),
        )

    def _confirm_status_change(
        self, request, queryset, *, action, title, warning, service, done_message
    ):
        """Ask for a reason first; the confirmation page posts back with ``confirm``."""
        form = StatusChangeReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._change_status(
                request, queryset, service, done_message, form.cleaned_data["reason"]
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "warning": warning,
            "action": action,
            "form": form,
            "partners": queryset.order_by("legal_name"),
            "selected_ids": [str(pk) for pk in queryset.values_list("pk", flat=True)],
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/partners/partner/status_change_confirmation.html", context
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        # Partners are terminated, never deleted, so their history and events stay whole.
        return False

    # Import: translated file errors on the form, and a history entry per partner.

    def has_import_permission(self, request) -> bool:
        # django-import-export lets anyone who can open the list import unless the
        # IMPORT_EXPORT_IMPORT_PERMISSION_CODE setting requires a permission. An import
        # creates and changes partners, so it needs both permissions.
        return request.user.has_perms(["partners.add_partner", "partners.change_partner"])

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, SpreadsheetFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def add_success_message(self, result, request):
        totals = result.totals
        self.message_user(
            request,
            gettext(
                "Import finished. Created: %(new)d, updated: %(updated)d, unchanged: %(skipped)d."
            )
            % {
                "new": totals[RowResult.IMPORT_TYPE_NEW],
                "updated": totals[RowResult.IMPORT_TYPE_UPDATE],
                "skipped": totals[RowResult.IMPORT_TYPE_SKIP],
            },
            messages.SUCCESS,
        )

    def generate_log_entries(self, result, request):
        for row in result.valid_rows():
            if row.import_type not in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
                continue
            partner = row.instance
            if row.import_type == RowResult.IMPORT_TYPE_NEW:
                self.log_addition(request, partner, gettext("Created by a spreadsheet import."))
            else:
                self.log_change(request, partner, gettext("Updated by a spreadsheet import."))

    # Export: the page reads the changelist's filters from its address.

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            # The changelist drops filters it cannot apply, and so does the export. It warns
            # staff because the file would otherwise contain more rows than they expect.
            self.message_user(
                request,
                gettext(
                    "The filters in the address are not valid, so they were removed and the "
                    "export includes every partner. Filter the list again, then export."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.path)

    # Inviting members: a person gets portal access and an e-mail to choose a password.

    def get_urls(self):
        invite = path(
            "<path:object_id>/invite-member/",
            self.admin_site.admin_view(self.invite_member_view),
            name="partners_partner_invite_member",
        )
        return [invite, *super().get_urls()]

    def invite_member_view(self, request: HttpRequest, object_id: str):
        # get_object returns None for an id of the wrong type ("abc") and for a missing one.
        partner = self.get_object(request, unquote(object_id))
        if partner is None:
            raise Http404(gettext("No partner has the id %(id)s.") % {"id": object_id})
        if not self.has_change_permission(request, partner):
            raise PermissionDenied
        form = MemberInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                member = services.invite_member(
                    partner=partner,
                    actor=request.user,
                    language=translation.get_language() or "es",
                    **form.cleaned_data,
                )
            except services.PartnerError as exc:
                for field, errors in exc.fields.items():
                    form.add_error(field if field in form.fields else None, errors)
                if not exc.fields:
                    form.add_error(None, str(exc.message))
            else:
                message = gettext("Invited %(email)s as %(role)s.") % {
                    "email": member.user.email,
                    "role": member.get_role_display(),
                }
                self.log_change(request, partner, message)
                self.message_user(
                    request,
                    gettext("%(message)s An e-mail with a link to choose a password is on its way.")
                    % {"message": message},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:partners_partner_change", args=[partner.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Invite a member to %(partner)s") % {"partner": partner},
            "opts": self.opts,
            "original": partner,
            "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/partners/partner/invite_member.html", context)
