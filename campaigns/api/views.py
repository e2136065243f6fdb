"""Viewsets of the campaigns part of the partner API, each scoped to the caller's partner."""

from __future__ import annotations

from rest_framework import mixins, viewsets

from campaigns import selectors_partner, services
from campaigns.api import filters, serializers
from campaigns.models import Campaign, Click, Conversion, Enrollment, TrackingLink
from hexabuilders.api.pagination import CursorPagination
from hexabuilders.api.views import (
    CreateWithServiceMixin,
    PartnerScopedMixin,
    PartnerScopedReadOnlyViewSet,
)


class NewestFirstCursorPagination(CursorPagination):
    # The id breaks ties between rows created in the same microsecond.
    ordering = ("-created_at", "-id")


class CampaignViewSet(PartnerScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Open campaigns (scheduled or active) and every campaign the caller has joined.

    Campaigns belong to no partner, so the scope is the selector's: another
    partner's campaign that is not open is absent, and its id gets 404.
    """

    queryset = Campaign.objects.all()
    serializer_class = serializers.CampaignSerializer
    filterset_class = filters.CampaignFilterSet
    ordering_fields = ["name", "starts_at", "ends_at", "id"]
    ordering = ["-starts_at", "-id"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.CampaignDetailSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        if self.partner is None:
            return Campaign.objects.none()
        return selectors_partner.campaigns_for_partner(partner=self.partner)


class EnrollmentViewSet(
    PartnerScopedMixin,
    CreateWithServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's enrollments. A POST requests to join a campaign."""

    queryset = Enrollment.objects.select_related("campaign", "link")
    serializer_class = serializers.EnrollmentSerializer
    input_serializer_classes = {"create": serializers.EnrollmentRequestSerializer}
    filterset_class = filters.EnrollmentFilterSet
    ordering_fields = ["created_at", "decided_at", "status", "id"]
    ordering = ["-created_at", "-id"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.partner is not None:
            context["visible_campaigns"] = selectors_partner.campaigns_for_partner(
                partner=self.partner
            )
        return context

    def perform_create(self, serializer):
        return services.request_enrollment(
            campaign=serializer.validated_data["campaign"],
            partner=self.partner,
            actor=self.actor,
            note=serializer.validated_data.get("note", ""),
        )


class TrackingLinkViewSet(PartnerScopedReadOnlyViewSet):
    """The caller's tracking links, with the full URL to share."""

    queryset = TrackingLink.objects.select_related("enrollment__campaign")
    partner_field = "enrollment__partner"
    serializer_class = serializers.TrackingLinkSerializer
    filterset_class = filters.TrackingLinkFilterSet
    ordering_fields = ["created_at", "code", "id"]
    ordering = ["-created_at", "-id"]


class ClickViewSet(PartnerScopedReadOnlyViewSet):
    """Clicks on the caller's links, newest first, in cursor pages."""

    queryset = Click.objects.all()
    serializer_class = serializers.ClickSerializer
    filterset_class = filters.ClickFilterSet
    pagination_class = NewestFirstCursorPagination
    # The cursor fixes the order, so there is no ordering parameter.
    ordering_fields: list[str] = []
    ordering = ["-created_at", "-id"]


class ConversionViewSet(PartnerScopedReadOnlyViewSet):
    """Conversions credited to the caller, newest first, in cursor pages."""

    queryset = Conversion.objects.select_related("campaign")
    serializer_class = serializers.ConversionSerializer
    filterset_class = filters.ConversionFilterSet
    pagination_class = NewestFirstCursorPagination
    ordering_fields: list[str] = []
    ordering = ["-created_at", "-id"]
