"""Staff admin of the partners app, one module per screen group."""

from partners.admin import access, partner  # noqa: F401  (modules register their admins)
