"""Base classes for partner-facing API views.

``PartnerScopedMixin`` is the one place that limits data to the caller's
partner: subclasses declare ``partner_field`` (the lookup from their model to
the partner) and never filter by partner themselves. Objects of another partner
are therefore absent from every queryset, so requests for them get 404, never 403.

Writes follow one pattern (``CreateWithServiceMixin``, ``UpdateWithServiceMixin``):
an input serializer validates the body, the view's ``perform_create`` or
``perform_update`` calls a service and returns the object, and the output
serializer renders it. A creating POST honours ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from hexabuilders import idempotency
from hexabuilders.api.filters import StrictOrderingFilter
from hexabuilders.api.parsers import JSONParser

IDEMPOTENCY_HEADER = "Idempotency-Key"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=_(
        "A unique value, such as a UUID, that makes retries safe. Repeating the request "
        "with the same key and body within 24 hours returns the first response and "
        "creates nothing; the same key with another body gets 422."
    ),
)


def request_partner(request: Request) -> Any | None:
    """Return the partner whose API key authenticated the request, or None."""
    return getattr(request.auth, "partner", None)


def request_actor(request: Request) -> Any | None:
    """Return the user accountable for the request, which is the creator of its API key."""
    return getattr(request.auth, "created_by", None)


class HasPartnerKey(permissions.BasePermission):
    """Allow requests authenticated by a partner's API key; writes need a write key."""

    code = "read_only_key"
    message = _("This API key can only read. Use a key with the write scope.")

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if api_key is None or request_partner(request) is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return api_key.allows("write")


class PartnerScopedMixin:
    """Limit every query to the caller's partner.

    Subclasses declare:

    - ``partner_field``: the lookup from the model to the partner, ``"pk"`` for the
      partner itself;
    - ``serializer_class``: the output serializer;
    - ``input_serializer_classes``: action name to the serializer that validates
      the request body;
    - ``output_serializer_classes``: action name to an output serializer other than
      ``serializer_class``.
    """

    permission_classes = [HasPartnerKey]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    partner_field = "partner"
    input_serializer_classes: dict[str, Any] = {}
    output_serializer_classes: dict[str, Any] = {}

    @property
    def partner(self):
        return request_partner(self.request)

    @property
    def actor(self):
        return request_actor(self.request)

    def get_queryset(self):
        queryset = super().get_queryset()
        partner = self.partner
        if partner is None:
            return queryset.none()
        return queryset.filter(**{self.partner_field: partner.pk})

    def get_serializer_class(self):
        return self.input_serializer_classes.get(self.action) or super().get_serializer_class()

    def get_output_serializer(self, instance, **kwargs):
        serializer_class = self.output_serializer_classes.get(self.action, self.serializer_class)
        return serializer_class(instance, context=self.get_serializer_context(), **kwargs)

    def perform_destroy(self, instance):
        raise NotImplementedError("perform_destroy must call a service.")


class CreateWithServiceMixin:
    """``create`` that validates the body, calls ``perform_create`` and renders its result.

    ``perform_create(serializer)`` calls one service and returns the object to
    render. A request with an ``Idempotency-Key`` header runs at most once per key.
    ``idempotency_redacted_fields`` lists output fields that a replay returns as
    null, such as a secret that is shown once.
    """

    idempotency_redacted_fields: tuple[str, ...] = ()

    def perform_create(self, serializer):
        raise NotImplementedError("perform_create must call a service and return the object.")

    def create(self, request, *args, **kwargs):
        key = self._idempotency_key(request)
        if key is None:
            return self._create(request)

        fingerprint = idempotency.fingerprint_request(
            method=request.method, path=request.path, data=request.data
        )

        def execute() -> tuple[int, Any]:
            response = self._create(request)
            return response.status_code, response.data

        result = idempotency.run_once(
            scope=f"partner:{self.partner.pk}",
            key=key,
            fingerprint=fingerprint,
            execute=execute,
            redacted_fields=self.idempotency_redacted_fields,
        )
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return Response(result.body, status=result.status, headers=headers)

    def _create(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_create(serializer)
        return Response(self.get_output_serializer(instance).data, status=status.HTTP_201_CREATED)

    def _idempotency_key(self, request) -> str | None:
        raw = request.headers.get(IDEMPOTENCY_HEADER)
        if raw is None:
            return None
        key = raw.strip()
        if not key or len(key) > idempotency.MAX_KEY_LENGTH:
            message = _("The %(header)s header must have 1 to %(max)d characters.") % {
                "header": IDEMPOTENCY_HEADER,
                "max": idempotency.MAX_KEY_LENGTH,
            }
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: [message]})
        return key


class UpdateWithServiceMixin:
    """``update`` and ``partial_update`` that call ``perform_update`` and render its result.

    ``perform_update(serializer)`` calls one service and returns the object to render.
    """

    def perform_update(self, serializer):
        raise NotImplementedError("perform_update must call a service and return the object.")

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_update(serializer)
        return Response(self.get_output_serializer(instance).data)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class PartnerScopedViewSet(
    PartnerScopedMixin, CreateWithServiceMixin, UpdateWithServiceMixin, viewsets.ModelViewSet
):
    """List, retrieve, create, update and delete, each write through a service."""


class PartnerScopedReadOnlyViewSet(PartnerScopedMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve only."""
