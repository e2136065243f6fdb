"""FilterSets of the campaigns part of the partner API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Click, Conversion, Enrollment, TrackingLink
from hexabuilders.api.filters import PartnerFilterSet, StrictBooleanFilter


class CreatedRangeFilterSet(PartnerFilterSet):
    """Adds ``created_after`` and ``created_before``, inclusive, as ISO 8601 dates or times."""

    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text=_("Only rows created at or after this ISO 8601 time."),
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="lte",
        help_text=_("Only rows created at or before this ISO 8601 time."),
    )


class CampaignFilterSet(PartnerFilterSet):
    search_fields = ("name", "description")

    joined = StrictBooleanFilter(
        field_name="enrollment_id",
        lookup_expr="isnull",
        exclude=True,
        help_text=_("true: campaigns the caller has joined or asked to join; false: the others."),
    )

    class Meta:
        model = Campaign
        fields = ["status", "kind", "currency", "joined"]


class EnrollmentFilterSet(PartnerFilterSet):
    search_fields = ("campaign__name",)

    class Meta:
        model = Enrollment
        fields = ["campaign", "status"]


class TrackingLinkFilterSet(PartnerFilterSet):
    search_fields = ("code", "enrollment__campaign__name")

    campaign = django_filters.NumberFilter(
        field_name="enrollment__campaign", help_text=_("The campaign id.")
    )

    class Meta:
        model = TrackingLink
        fields = ["campaign"]


class ClickFilterSet(CreatedRangeFilterSet):
    class Meta:
        model = Click
        fields = ["campaign", "link", "outcome", "is_billable", "is_unique"]


class ConversionFilterSet(CreatedRangeFilterSet):
    search_fields = ("transaction_id",)

    class Meta:
        model = Conversion
        fields = ["campaign", "status", "reason_code"]
