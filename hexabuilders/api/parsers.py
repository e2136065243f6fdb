"""The JSON parser of the partner-facing API."""

from __future__ import annotations

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with translated errors that name the line and column at fault.

    DRF reports ``JSON parse error - <Python's message>`` in English whatever the
    request's language, because that text does not go through gettext.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except UnicodeDecodeError as exc:
            raise ParseError(
                _("The request body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from exc
        try:
            return json.loads(text, parse_constant=self._reject_constant)
        except json.JSONDecodeError as exc:
            message = _(
                "The request body is not valid JSON: the syntax is wrong at line %(line)d, "
                "column %(column)d."
            )
            raise ParseError(message % {"line": exc.lineno, "column": exc.colno}) from exc

    def _reject_constant(self, name: str):
        # JSON has no NaN or Infinity, though Python's json module reads them.
        if self.strict:
            raise ParseError(
                _("The request body is not valid JSON: %(name)s is not a JSON number.")
                % {"name": name}
            )
        return float(name)
