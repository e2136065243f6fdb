"""Filter bases that reject with 400 every value they cannot use.

django-filter's ``DjangoFilterBackend`` raises a validation error for an invalid
form value, but ``BooleanFilter`` reads an unknown word as "no filter" and DRF's
``OrderingFilter`` drops unknown fields, so both would return 200 with a list the
caller did not request. The classes here reject such values instead.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import filters
from rest_framework.exceptions import ValidationError


class StrictBooleanField(forms.Field):
    """A form field that accepts true/false or 1/0 and rejects anything else."""

    TRUE_VALUES = frozenset({"true", "1"})
    FALSE_VALUES = frozenset({"false", "0"})

    def to_python(self, value):
        if value in (None, ""):
            return None
        normalized = str(value).strip().lower()
        if normalized in self.TRUE_VALUES:
            return True
        if normalized in self.FALSE_VALUES:
            return False
        raise forms.ValidationError(
            _("%(value)s is not a boolean; use true or false.") % {"value": value},
            code="invalid",
        )


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class PartnerFilterSet(django_filters.FilterSet):
    """A FilterSet with strict booleans and a ``q`` search over ``search_fields``.

    ``search_fields`` lists lookups matched case-insensitively; a row matches when
    any of them contains the search text.
    """

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(
        method="filter_search", label=_("Search"), max_length=200, help_text=_("Text to search.")
    )

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }

    def filter_search(self, queryset, name, value):
        text = value.strip()
        if not text or not self.search_fields:
            return queryset
        conditions = [models.Q(**{f"{field}__icontains": text}) for field in self.search_fields]
        return queryset.filter(reduce(or_, conditions))


class StrictOrderingFilter(filters.OrderingFilter):
    """DRF's ``OrderingFilter``, rejecting with 400 a field outside ``ordering_fields``."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param, "")
        terms = [term.strip() for term in raw.split(",") if term.strip()]
        if not terms:
            return self.get_default_ordering(view)

        valid_terms = self.remove_invalid_fields(queryset, terms, view, request)
        invalid_terms = [term for term in terms if term not in valid_terms]
        if invalid_terms:
            choices = [name for name, _label in self.get_valid_fields(queryset, view, {})]
            message = _("Cannot order by %(fields)s. Choose from: %(choices)s.") % {
                "fields": ", ".join(invalid_terms),
                "choices": ", ".join(choices),
            }
            raise ValidationError({self.ordering_param: [message]})
        return valid_terms
