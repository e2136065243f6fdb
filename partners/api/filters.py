"""FilterSets of the partner API; each has a ``q`` search over its ``search_fields``."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hexabuilders.api.filters import PartnerFilterSet
from partners.models import ApiKey, PartnerContact, PartnerMember


class ContactFilterSet(PartnerFilterSet):
    search_fields = ("name", "email", "role", "phone")

    role = django_filters.CharFilter(lookup_expr="iexact", help_text=_("Exact role, any case."))

    class Meta:
        model = PartnerContact
        fields = ["is_primary", "role"]


class MemberFilterSet(PartnerFilterSet):
    search_fields = ("user__email", "user__first_name", "user__last_name")

    class Meta:
        model = PartnerMember
        fields = ["role"]


class ApiKeyFilterSet(PartnerFilterSet):
    class Status:
        USABLE = "usable"
        REVOKED = "revoked"
        EXPIRED = "expired"

    search_fields = ("name", "prefix")

    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[
            (Status.USABLE, _("Usable")),
            (Status.REVOKED, _("Revoked")),
            (Status.EXPIRED, _("Expired")),
        ],
        help_text=_("usable: neither revoked nor expired; expired counts unrevoked keys only."),
    )

    class Meta:
        model = ApiKey
        fields = ["scope", "status"]

    def filter_status(self, queryset, name, value):
        if value == self.Status.USABLE:
            return queryset.usable()
        if value == self.Status.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        return queryset.filter(Q(revoked_at__isnull=True) & Q(expires_at__lte=timezone.now()))
