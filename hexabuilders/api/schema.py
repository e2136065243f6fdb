"""OpenAPI generation that follows the conventions of ``PartnerScopedMixin``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from rest_framework import permissions

from hexabuilders.api.errors import ErrorResponseSerializer
from hexabuilders.api.views import IDEMPOTENCY_KEY_PARAMETER, CreateWithServiceMixin

ERROR_DESCRIPTIONS = {
    "400": _("Invalid input or filter values."),
    "401": _("Missing, invalid, expired or revoked API key."),
    "403": _("The API key can only read."),
    "404": _("Not found, or owned by another partner."),
    "422": _("The Idempotency-Key was already used with a different request."),
    "429": _("Too many requests for this API key; retry after the Retry-After seconds."),
}


class AutoSchema(BaseAutoSchema):
    """Document output serializers, the shared error responses and ``Idempotency-Key``.

    A view with ``input_serializer_classes`` reads its body with the input serializer
    for the action and responds with ``output_serializer_classes[action]``, or with
    ``serializer_class`` when the action has no entry.
    """

    def get_response_serializers(self):
        action = getattr(self.view, "action", None)
        outputs = getattr(self.view, "output_serializer_classes", {})
        if action in outputs:
            return outputs[action]
        if action in getattr(self.view, "input_serializer_classes", {}):
            return self.view.serializer_class
        return super().get_response_serializers()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_create_operation() and isinstance(self.view, CreateWithServiceMixin):
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error_schema = self.resolve_serializer(ErrorResponseSerializer, "response").ref
        for code in self._error_codes(path):
            operation["responses"].setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": error_schema}},
                },
            )
        return operation

    def _error_codes(self, path: str) -> list[str]:
        is_write = self.method not in permissions.SAFE_METHODS
        codes = ["401", "429"]
        if is_write or getattr(self.view, "action", None) == "list":
            codes.append("400")
        if is_write:
            codes.append("403")
        if "{" in path:
            codes.append("404")
        if self._is_create_operation() and isinstance(self.view, CreateWithServiceMixin):
            codes.append("422")
        return sorted(codes)
