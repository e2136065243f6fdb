"""Viewsets of the partner API; each is scoped to the caller's partner by its base class."""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from hexabuilders.api.views import (
    CreateWithServiceMixin,
    PartnerScopedMixin,
    PartnerScopedReadOnlyViewSet,
    PartnerScopedViewSet,
    UpdateWithServiceMixin,
)
from partners import services
from partners.api import filters, serializers
from partners.models import ApiKey, Partner, PartnerContact, PartnerMember


class PartnerProfileViewSet(
    PartnerScopedMixin, UpdateWithServiceMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's own partner profile: one resource, with no id in the URL."""

    queryset = Partner.objects.all()
    partner_field = "pk"
    serializer_class = serializers.PartnerProfileSerializer
    input_serializer_classes = {"partial_update": serializers.PartnerProfileUpdateSerializer}
    filter_backends = []
    pagination_class = None

    def get_object(self):
        partner = get_object_or_404(self.get_queryset())
        self.check_object_permissions(self.request, partner)
        return partner

    def perform_update(self, serializer):
        return services.update_partner(
            partner=serializer.instance,
            actor=self.actor,
            data=serializer.validated_data,
            allowed_fields=services.PARTNER_EDITABLE_FIELDS,
        )


class ContactViewSet(PartnerScopedViewSet):
    queryset = PartnerContact.objects.select_related("partner")
    serializer_class = serializers.ContactSerializer
    input_serializer_classes = {
        "create": serializers.ContactInputSerializer,
        "update": serializers.ContactInputSerializer,
        "partial_update": serializers.ContactInputSerializer,
    }
    filterset_class = filters.ContactFilterSet
    ordering_fields = ["name", "email", "role", "is_primary", "id"]
    ordering = ["-is_primary", "name", "id"]

    def perform_create(self, serializer):
        return services.create_contact(
            partner=self.partner, actor=self.actor, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        return services.update_contact(
            contact=serializer.instance, actor=self.actor, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_contact(contact=instance, actor=self.actor)


class MemberViewSet(PartnerScopedReadOnlyViewSet):
    queryset = PartnerMember.objects.select_related("user").annotate(email=F("user__email"))
    serializer_class = serializers.MemberSerializer
    filterset_class = filters.MemberFilterSet
    ordering_fields = ["email", "role", "created_at", "id"]
    ordering = ["email", "id"]


class ApiKeyViewSet(
    PartnerScopedMixin,
    CreateWithServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The partner's API keys; the full key appears only in the response that creates it."""

    queryset = ApiKey.objects.select_related("partner")
    serializer_class = serializers.ApiKeySerializer
    input_serializer_classes = {"create": serializers.ApiKeyCreateSerializer}
    output_serializer_classes = {"create": serializers.ApiKeyCreatedSerializer}
    idempotency_redacted_fields = ("key",)
    filterset_class = filters.ApiKeyFilterSet
    ordering_fields = ["created_at", "name", "last_used_at", "expires_at", "id"]
    ordering = ["-created_at", "-id"]

    def perform_create(self, serializer):
        return services.create_api_key(
            partner=self.partner, actor=self.actor, **serializer.validated_data
        )

    @extend_schema(request=None, responses=serializers.ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the key at once; revoking a revoked key changes nothing."""
        api_key = services.revoke_api_key(api_key=self.get_object(), actor=self.actor)
        return Response(self.get_output_serializer(api_key).data)
