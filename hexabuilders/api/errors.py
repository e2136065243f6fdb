"""One JSON shape for every API error.

    {"error": {"code": "not_found", "message": "...", "fields": {"name": ["..."]}}}

``message`` is in the request's language (Accept-Language), ``code`` is stable
for programs, and ``fields`` appears only for validation errors.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hexabuilders.errors import DomainError


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    return {"non_field_errors": [str(item) for item in detail]}


def _body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def exception_handler(exc, context):
    """Turn any API exception into the shared error shape."""
    if isinstance(exc, DomainError):
        return Response(
            _body(exc.code, str(exc.message), exc.fields or None),
            status=status.HTTP_409_CONFLICT if exc.code == "invalid_transition" else 400,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        response.data = _body(
            "invalid", _("The request contains invalid data."), _field_errors(exc.detail)
        )
        return response

    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = codes if isinstance(codes, str) else "error"
    response.data = _body(code, str(detail))
    return response
