from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from partners.services import authenticate_api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate ``Authorization: Api-Key hxb_<prefix>_<secret>``.

    On success ``request.user`` is an ``ApiKeyUser`` and ``request.auth`` is the
    ``ApiKey``, whose partner scopes every query. Revoked and expired keys, and keys
    of suspended or terminated partners, fail with 401. A request without the
    ``Api-Key`` keyword is left to other authenticators and gets 401 when none
    accepts it.
    """

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _separator, raw_key = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        if not raw_key.strip():
            raise exceptions.AuthenticationFailed(_("The API key is missing."))
        api_key = authenticate_api_key(raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("The API key is invalid, expired or revoked."))
        return (ApiKeyUser(api_key), api_key)

    def authenticate_header(self, request):
        # A value here makes DRF respond with 401 rather than 403 to unauthenticated requests.
        return self.keyword


class ApiKeyUser:
    """The principal behind an API key: authenticated, never staff, tied to one partner.

    It is not a database user, so ``pk`` is None; services that record who acted
    receive the key's ``created_by`` instead.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, api_key):
        self.api_key = api_key
        self.partner = api_key.partner
        self.pk = None
        self.id = None

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"

    def has_perm(self, perm, obj=None) -> bool:
        return False


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describe ``ApiKeyAuthentication`` in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _(
                "Send `Authorization: Api-Key hxb_<prefix>_<secret>`. A key with the read "
                "scope can only read; POST /api/v1/api-keys/ creates more keys."
            ),
        }
