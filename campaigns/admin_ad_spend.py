"""Staff screen for imported ad-platform spend, with the report import and export."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from import_export.admin import ImportExportModelAdmin
from import_export.results import RowResult

from campaigns.imports.resources import AD_SPEND_FORMATS, AdSpendResource
from campaigns.models import AdSpend
from hexabuilders.admin_guards import ImportExportGuardsMixin, InputGuardsMixin
from partners.admin_forms import PartnerImportForm
from partners.imports.formats import SpreadsheetFileError


@admin.register(AdSpend)
class AdSpendAdmin(InputGuardsMixin, ImportExportGuardsMixin, ImportExportModelAdmin):
    resource_classes = [AdSpendResource]
    import_formats = AD_SPEND_FORMATS
    export_formats = AD_SPEND_FORMATS
    # The partner import form adds the upload size limit, checked before parsing.
    import_form_class = PartnerImportForm
    list_display = ("day", "campaign", "source", "impressions", "clicks", "cost", "currency")
    list_filter = ("source", "currency")
    list_select_related = ("campaign",)
    search_fields = ("campaign__name", "source")
    date_hierarchy = "day"
    autocomplete_fields = ("campaign",)
    readonly_fields = ("imported_at",)
    ordering = ("-day", "campaign")

    def has_import_permission(self, request) -> bool:
        # An import creates and changes rows, so it needs both permissions.
        return request.user.has_perms(["campaigns.add_adspend", "campaigns.change_adspend"])

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
