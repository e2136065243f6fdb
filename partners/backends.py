"""The authentication backend of the portal and the staff admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """Authenticate by username or e-mail address, ignoring letter case.

    Portal users are created with their lower-cased e-mail as username, but people
    type their address as they like. The lookup tries, in order, the exact
    username, the username in any case, and the e-mail in any case, and stops at
    the first step that finds exactly one user. Several matches at one step (two
    usernames differing only in case, or an e-mail shared by two accounts)
    authenticate no one, because the password must not pick between accounts.
    Permissions work as in ``ModelBackend``.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = self._find_user(username.strip())
        if user is None:
            # Hash anyway, so the response time does not tell whether the account exists.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    @staticmethod
    def _find_user(login: str):
        if not login:
            return None
        users = get_user_model()._default_manager
        exact = users.filter(username=login)
        for candidates in (
            exact,
            users.filter(username__iexact=login),
            users.filter(email__iexact=login),
        ):
            found = list(candidates[:2])
            if len(found) == 1:
                return found[0]
            if found:
                return None
        return None
