"""Staff screens for API keys, members and contacts outside their partner's page."""

from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from hexabuilders.admin_guards import InputGuardsMixin
from partners import services
from partners.admin.guards import TypedPhoneMixin
from partners.models import ApiKey, PartnerContact, PartnerMember


@admin.register(ApiKey)
class ApiKeyAdmin(InputGuardsMixin, admin.ModelAdmin):
    """API keys are issued by partners in the portal; staff list, inspect and revoke them."""

    list_display = (
        "name",
        "prefix_column",
        "partner",
        "scope",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "created_at",
    )
    list_select_related = ("partner",)
    list_filter = ("scope", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("prefix", "name", "partner__legal_name")
    search_help_text = _(
        "Search by key prefix (hxb_… as shown to the partner), key name or partner."
    )
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "partner",
        "name",
        "prefix_column",
        "scope",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    actions = ("revoke",)

    @admin.display(description=_("prefix"), ordering="prefix")
    def prefix_column(self, api_key: ApiKey) -> str:
        return f"hxb_{api_key.prefix}_…"

    def get_search_results(self, request, queryset, search_term):
        # Staff paste the start of a full key (hxb_<prefix>_…); search by its prefix.
        parts = search_term.strip().split("_")
        if len(parts) >= 2 and parts[0] == "hxb" and parts[1]:
            search_term = parts[1]
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoking keeps the key's history; deleting would lose who used it and when.
        return False

    @admin.action(description=_("Revoke"), permissions=("change",))
    def revoke(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            services.revoke_api_key(api_key=api_key, actor=request.user)
            self.log_change(request, api_key, gettext("Revoked."))
            revoked += 1
        self.message_user(
            request,
            ngettext("Revoked %(count)d API key.", "Revoked %(count)d API keys.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


@admin.register(PartnerMember)
class PartnerMemberAdmin(InputGuardsMixin, admin.ModelAdmin):
    list_display = ("user", "partner", "role", "created_at")
    list_select_related = ("user", "partner")
    list_filter = ("role",)
    search_fields = (
        "user__username",
        "user__email",
        "partner__legal_name",
        "partner__display_name",
    )
    autocomplete_fields = ("user", "partner")
    list_per_page = 50


@admin.register(PartnerContact)
class PartnerContactAdmin(TypedPhoneMixin, InputGuardsMixin, admin.ModelAdmin):
    list_display = ("name", "partner", "role", "email", "phone", "is_primary")
    list_select_related = ("partner",)
    list_filter = ("is_primary",)
    search_fields = ("name", "email", "partner__legal_name", "partner__display_name")
    autocomplete_fields = ("partner",)
    list_per_page = 50
