from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from partners.services import authenticate_api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate ``Authorization: Api-Key hxb_<prefix>_<secret>``.

    On success ``request.user`` is the user who created the key (or an anonymous
    user for keys issued by staff tooling) and ``request.auth`` is the ``ApiKey``,
    whose partner scopes every query.
    """

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, raw_key = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        if not raw_key.strip():
            raise exceptions.AuthenticationFailed(_("The API key is missing."))
        api_key = authenticate_api_key(raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("The API key is invalid, expired or revoked."))
        return (ApiKeyUser(api_key), api_key)

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyUser:
    """The principal behind an API key: authenticated, never staff, tied to one partner."""

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
