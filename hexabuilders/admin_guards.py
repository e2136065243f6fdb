"""Guards that give hand-typed admin addresses and forms the admin's usual errors, not a 500.

Django's admin and django-import-export trust some values from the address or a
posted form. The mixins here check those values first, so a bad value ends in a
redirect with a message, the list's ``?e=1`` redirect, or a form error.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext


def is_valid_value(field: models.Field, value) -> bool:
    """Return whether ``field`` accepts ``value`` as typed, as a form field would."""
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return True


class BoundedDateChangeList(ChangeList):
    """A changelist whose out-of-range date drill-down gets the admin's usual error handling.

    Django's date hierarchy adds a day, a month or a year to the date in the address
    after its own error handling, so ``?joined_on__year=9999`` raises ValueError or
    OverflowError there. Raising ``IncorrectLookupParameters`` instead makes the list
    redirect to itself without the parameters, as it does for any unknown filter.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class CheckedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete select that skips posted ids of the wrong type when it redraws.

    When a form with errors is shown again, Django's widget looks up the posted
    value in the database as it is, so an id such as ``abc`` for an integer key
    raises ValueError. The form field already reports the invalid choice.
    """

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        valid = [item for item in value if is_valid_value(target, item)]
        return super().optgroups(name, valid, attr)


class CheckedAutocompleteMixin:
    """For a ModelAdmin or inline: autocomplete widgets that skip posted ids of the wrong type."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class InputGuardsMixin(CheckedAutocompleteMixin):
    """For a ModelAdmin: bounded date drill-down, checked action ids and autocomplete input.

    Django filters an action's queryset by the posted ids as they are, so an id such
    as ``abc`` raises ValueError. Here the action is rejected with a message instead.
    The changelist class also serves django-import-export's export page.
    """

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList

    def response_action(self, request, queryset):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if not all(is_valid_value(self.opts.pk, value) for value in selected):
            self.message_user(
                request,
                gettext(
                    "The selection contains an id that is not valid, so the action was not "
                    "run. Select the items in the list again."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def get_search_results(self, request, queryset, search_term):
        # The changelist's search form rejects NUL characters, but the autocomplete
        # view passes its term on as typed, and PostgreSQL rejects NUL in text.
        # No stored text contains NUL, so such a search finds nothing.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class ImportExportGuardsMixin:
    """For a django-import-export ModelAdmin: checked export filters and import confirmation.

    The export page builds its queryset from the changelist's filters in the
    address but does not handle ``IncorrectLookupParameters`` as the list does. The
    confirmation step of an import reads a format index, a resource index and a
    temporary file name from hidden inputs. Values it did not write raise ValueError,
    IndexError or FileNotFoundError. A second submission raises FileNotFoundError too,
    because the first one imported the file and removed it.
    """

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
                    "export includes every row. Filter the list again, then export."
                ),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.path)

    def process_import(self, request, **kwargs):
        if request.method != "POST":
            # The library's view returns 405 Method Not Allowed.
            return super().process_import(request, **kwargs)
        if not self.has_import_permission(request):
            raise PermissionDenied
        if not self._confirmed_import_choices_are_valid(request):
            return self._restart_import(
                request,
                gettext(
                    "The import confirmation contains a format or resource that is not "
                    "valid, so nothing was imported. Upload the file again."
                ),
            )
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            return self._restart_import(
                request,
                gettext(
                    "The uploaded file is no longer available, so nothing was imported. "
                    "It may have been imported already: check the list before you upload "
                    "it again."
                ),
            )

    def _confirmed_import_choices_are_valid(self, request) -> bool:
        # The library reads an empty resource as the first one.
        format_count = len(self.get_import_formats())
        resource_count = len(self.get_import_resource_classes(request))
        formats = {str(index) for index in range(format_count)}
        resources = {"", *(str(index) for index in range(resource_count))}
        return (
            request.POST.get("format", "") in formats
            and request.POST.get("resource", "") in resources
        )

    def _restart_import(self, request, message: str) -> HttpResponseRedirect:
        self.message_user(request, message, messages.WARNING)
        url_name = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_import"
        return HttpResponseRedirect(reverse(url_name))
