from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hexabuilders.events import registry
from hexabuilders.events.docs import render_markdown


class Command(BaseCommand):
    help = "Write docs/events.md, the reference of every declared domain event type."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "docs" / "events.md",
            help="File to write (default: docs/events.md in the repository).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit with an error when the file is missing or out of date.",
        )

    def handle(self, *args, output: Path, check: bool, **options):
        content = render_markdown(registry.event_types.values())
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if check:
            if current != content:
                raise CommandError(
                    f"{output} is out of date; run `python manage.py events_doc` to update it."
                )
            self.stdout.write(f"{output} is up to date.")
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(content, encoding="utf-8")
        self.stdout.write(f"Wrote {len(registry.event_types)} event types to {output}.")
