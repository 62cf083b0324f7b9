"""Render the 系统操作手册 PDF into its cache now, so the first visitor does not wait (run once per deploy).

Prints where the PDF is, its size and whether it was rendered or already cached. ``--output FILE`` also writes a copy.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from manual.build import get_manual_pdf


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, help="also write the PDF to this file")

    def handle(self, *args, output: Path | None = None, **options) -> None:
        started = time.perf_counter()
        manual = get_manual_pdf()
        elapsed = time.perf_counter() - started
        if output is not None:
            try:
                output.write_bytes(manual.content)
            except OSError as exc:
                raise CommandError(f"无法写入 {output}：{exc}") from exc
        state = "rendered" if manual.rendered else "cached"
        self.stdout.write(f"manual PDF {state}: {manual.path} ({len(manual.content):,} bytes, {elapsed:.2f} s)")
