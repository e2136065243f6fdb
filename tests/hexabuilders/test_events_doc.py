"""``manage.py events_doc`` and the committed docs/events.md it generates."""

import pytest
from django.core.management import CommandError, call_command

from hexabuilders.events import registry
from hexabuilders.events.docs import render_markdown
from tests.hexabuilders.outbox_handlers import MEASURED


def test_events_doc_is_up_to_date():
    # When this fails, run `python manage.py events_doc` and commit docs/events.md.
    call_command("events_doc", "--check")


def test_events_doc_check_rejects_stale_file(tmp_path):
    stale = tmp_path / "events.md"
    stale.write_text("# Domain events\n", encoding="utf-8")

    with pytest.raises(CommandError, match="is out of date"):
        call_command("events_doc", "--check", "--output", str(stale))

    assert stale.read_text(encoding="utf-8") == "# Domain events\n"


def test_events_doc_check_rejects_missing_file(tmp_path):
    with pytest.raises(CommandError, match="is out of date"):
        call_command("events_doc", "--check", "--output", str(tmp_path / "absent.md"))


def test_events_doc_writes_every_declared_event(tmp_path):
    output = tmp_path / "docs" / "events.md"

    call_command("events_doc", "--output", str(output))
    content = output.read_text(encoding="utf-8")

    for name in registry.event_types:
        assert f"## {name}\n" in content


def test_render_markdown_lists_fields_and_version():
    content = render_markdown([MEASURED])

    assert "| [`outbox_test.measured`](#outbox_testmeasured) | 2 | `outbox_test` |" in content
    assert "- Version: 2" in content
    assert "| `amount` | `decimal` |" in content
    assert "| `comment` | `str?` |" in content
