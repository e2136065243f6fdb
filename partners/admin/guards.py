"""The changelist used by the partners admin screens."""

from __future__ import annotations

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


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


class BoundedDateChangeListMixin:
    """Use ``BoundedDateChangeList`` for the list and, with django-import-export, the export."""

    def get_changelist(self, request, **kwargs):
        return BoundedDateChangeList
