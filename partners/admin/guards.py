"""Guards that give hand-typed admin addresses and forms the admin's usual errors, not a 500."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext

from partners.identifiers import PHONE_INPUT_MAX_LENGTH


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


class TypedPhoneMixin:
    """For a ModelAdmin or inline: phone inputs as long as people type them.

    The model stores E.164 in at most 20 characters and normalises the phone before
    it checks the length, so the form field only needs room for spaces and dashes.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "phone":
            kwargs["max_length"] = PHONE_INPUT_MAX_LENGTH
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class InputGuardsMixin(TypedPhoneMixin):
    """For a ModelAdmin: typed phones, bounded date drill-down, and checked action ids.

    Django filters an action's queryset by the posted ids as they are, so an id such
    as ``abc`` raises ValueError. Here the action is rejected with a message instead.
    The changelist class also serves django-import-export's export page.
    """

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList

    def response_action(self, request, queryset):
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                self.opts.pk.to_python(value)
        except ValidationError:
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
