"""The conversion postback endpoint that advertisers' servers call."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaigns import postbacks
from hexabuilders.api.errors import error_body

# Parameters that authenticate a POST; they may come in the query string or a header
# because the HMAC covers the raw body and so cannot sit inside it.
_AUTH_PARAMETERS = {
    "token": "X-Hexa-Token",
    "timestamp": "X-Hexa-Timestamp",
    "signature": "X-Hexa-Signature",
}


class _BadBody(Exception):
    pass


def _json_parameters(body: bytes) -> dict[str, str]:
    try:
        data = json.loads(body, parse_float=str, parse_int=str)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _BadBody from exc
    if not isinstance(data, dict):
        raise _BadBody
    params = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, str | None):
            raise _BadBody
        params[key] = value or ""
    return params


def _read_request(request) -> tuple[dict[str, str], bytes]:
    """Return the postback's parameters and the payload its HMAC signature covers."""
    if request.method == "GET":
        params = request.GET.dict()
        payload = postbacks.canonical_query(
            [(key, value) for key, values in request.GET.lists() for value in values]
        )
        return params, payload.encode()

    body = request.body
    if request.content_type == "application/json":
        params = _json_parameters(body)
    else:
        params = request.POST.dict()
    # Business parameters come from the body only, so an unsigned query string
    # cannot change the values of a signed body.
    for name, header in _AUTH_PARAMETERS.items():
        if not params.get(name):
            params[name] = request.GET.get(name) or request.headers.get(header, "")
    return params, body


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def postback(request):
    """Record or reverse a conversion reported by the advertiser's server."""
    try:
        params, payload = _read_request(request)
    except _BadBody:
        message = _("The body must be a JSON object of string or number values.")
        return JsonResponse(error_body("invalid", message), status=400)
    try:
        reply = postbacks.handle_postback(params=params, signed_payload=payload)
    except postbacks.PostbackError as error:
        body = error_body(error.code, str(error.message), _plain_fields(error.fields))
        return JsonResponse(body, status=error.http_status)
    return JsonResponse(reply.body, status=reply.status)


def _plain_fields(fields: dict) -> dict | None:
    if not fields:
        return None
    return {name: [str(message) for message in messages] for name, messages in fields.items()}
