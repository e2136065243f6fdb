"""One JSON shape for every API error.

    {"error": {"code": "not_found", "message": "...", "fields": {"name": ["..."]}}}

``message`` is in the request's language (Accept-Language), ``code`` is stable
for programs, and ``fields`` appears only when particular inputs are at fault.
Errors that no handler expects are left to Django, which logs them and responds with 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hexabuilders.errors import DomainError
from hexabuilders.idempotency import IdempotencyKeyReused

DOMAIN_ERROR_STATUS = {"invalid_transition": status.HTTP_409_CONFLICT}


class IdempotencyKeyConflict(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = gettext_lazy(
        "This Idempotency-Key was already used with a different request. "
        "Send a new key for a new request."
    )


def _plain(detail: Any) -> Any:
    """Return ``detail`` with every message as a plain string, keeping its nesting."""
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list | tuple):
        return [_plain(item) for item in detail]
    return str(detail)


def _translate_null_body(detail: Any) -> Any:
    """Replace DRF's untranslated "No data provided" (a ``null`` body) with our message."""
    if isinstance(detail, dict):
        return {key: _translate_null_body(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_translate_null_body(item) for item in detail]
    if getattr(detail, "code", None) == "null" and str(detail) == "No data provided":
        return ErrorDetail(_("The request body is empty or null. Send a JSON object."), "null")
    return detail


def _field_errors(detail: Any) -> dict:
    if isinstance(detail, dict):
        return {
            key: value if isinstance(value, list | dict) else [value]
            for key, value in _plain(detail).items()
        }
    return {"non_field_errors": _plain(detail if isinstance(detail, list) else [detail])}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def exception_handler(exc, context):
    """Turn any API exception into the shared error shape, or return None for Django."""
    if isinstance(exc, DomainError):
        fields = _field_errors(exc.fields) if exc.fields else None
        return Response(
            error_body(exc.code, str(exc.message), fields),
            status=DOMAIN_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
        )
    if isinstance(exc, IdempotencyKeyReused):
        exc = IdempotencyKeyConflict()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "invalid",
            _("The request contains invalid data."),
            _field_errors(_translate_null_body(exc.detail)),
        )
        return response

    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "error"
    response.data = error_body(code, str(exc.detail))
    return response


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=gettext_lazy("Stable identifier for programs, such as not_found.")
    )
    message = serializers.CharField(
        help_text=gettext_lazy("Explanation in the language of the request.")
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=gettext_lazy("Messages per input field; present only for invalid input."),
    )


class ErrorResponseSerializer(serializers.Serializer):
    """The body of every error response; used only to document the API."""

    error = ErrorDetailSerializer()
