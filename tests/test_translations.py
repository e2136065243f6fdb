"""The Spanish catalog is complete and covers every string the code marks."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
OVERRIDES_CATALOG = ROOT / "locale-overrides" / "es" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = [
    "hexabuilders",
    "partners",
    "onboarding",
    "recruitment",
    "campaigns",
    "notifications",
    "templates",
    "locale",
]


def _problems(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        label = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            problems.append(f"fuzzy: {label!r}")
        elif not message.string or (
            not isinstance(message.string, str) and not all(message.string)
        ):
            problems.append(f"untranslated: {label!r}")
    return problems


@pytest.mark.parametrize("catalog", [CATALOG, OVERRIDES_CATALOG], ids=["ours", "overrides"])
def test_spanish_catalog_has_no_untranslated_or_fuzzy_entries(catalog):
    assert _problems(catalog) == []


def test_spanish_catalog_covers_every_marked_string(tmp_path):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext) is required under CI")
        pytest.skip("GNU gettext (xgettext) is not installed")
    for name in [*SOURCE_DIRS, "manage.py"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "es",
            "--no-location",
            "--no-obsolete",
            "--ignore=tests",
        ],
        cwd=tmp_path,
        env=environment,
        check=True,
        capture_output=True,
    )
    assert _problems(tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po") == []
