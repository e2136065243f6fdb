"""The base class for business-rule errors raised by services."""

from __future__ import annotations


class DomainError(Exception):
    """A request that breaks a business rule; ``message`` is translated for the user.

    ``code`` is a stable identifier for programs (``invalid_transition``,
    ``invalid``), and ``fields`` maps field names to messages when the error
    belongs to particular inputs.
    """

    code = "invalid"

    def __init__(self, message, *, code: str | None = None, fields: dict | None = None):
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}
