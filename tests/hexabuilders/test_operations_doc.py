"""docs/operations.md and its Spanish twin document every variable settings.py reads."""

import re

import pytest
from django.conf import settings

SETTINGS_SOURCE = settings.BASE_DIR / "hexabuilders" / "settings.py"
VARIABLE = re.compile(r'"((?:HEXA_[A-Z0-9_]+)|DATABASE_URL|REDIS_URL)"')


def variables_read_by_settings() -> set[str]:
    return set(VARIABLE.findall(SETTINGS_SOURCE.read_text(encoding="utf-8")))


def test_settings_read_known_variables():
    assert {"HEXA_SECRET_KEY", "HEXA_ALLOWED_HOSTS", "DATABASE_URL"} <= variables_read_by_settings()


@pytest.mark.parametrize("doc", ["operations.md", "operations.es.md"])
def test_operations_doc_lists_every_variable(doc):
    text = (settings.BASE_DIR / "docs" / doc).read_text(encoding="utf-8")

    undocumented = {name for name in variables_read_by_settings() if f"`{name}`" not in text}

    assert undocumented == set(), f"add these variables to docs/{doc}"
