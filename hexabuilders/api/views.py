"""Base classes for partner-facing API views.

``PartnerScopedViewSet`` is the one place that limits data to the caller's
partner: subclasses declare ``partner_field`` (the lookup from their model to
``Partner``) and never filter by partner themselves. Objects of another partner
are therefore absent from every queryset and answer 404, never 403.
"""

from __future__ import annotations

from rest_framework import permissions, viewsets
from rest_framework.request import Request


def request_partner(request: Request):
    """Return the partner whose key authenticated the request, or None."""
    return getattr(request.user, "partner", None)


class HasPartnerKey(permissions.BasePermission):
    """Allow requests authenticated by a partner's API key; writes need a write key."""

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if request_partner(request) is None or api_key is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return api_key.allows("write")


class PartnerScopedMixin:
    """Limit ``get_queryset`` to rows that belong to the caller's partner."""

    permission_classes = [HasPartnerKey]
    partner_field = "partner"

    def get_queryset(self):
        queryset = super().get_queryset()
        partner = request_partner(self.request)
        if partner is None:
            return queryset.none()
        return queryset.filter(**{self.partner_field: partner})

    def perform_create(self, serializer):
        serializer.save(**{self.partner_field: request_partner(self.request)})


class PartnerScopedViewSet(PartnerScopedMixin, viewsets.ModelViewSet):
    pass


class PartnerScopedReadOnlyViewSet(PartnerScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass
