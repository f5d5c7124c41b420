"""One pass of every periodic round (workflows.rounds), or passes forever with --loop: the
embedded default, where no Celery beat runs. The apps register the rounds: registry poll
messages, retries, reconciliation, expired authinfo codes, due viewflow timers, cesja
reminders, expiry and retries, flow catch-up, deadline warnings and escalations of human
tasks. A round that fails is logged and the others run all the same."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from workflows.rounds import run_once

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run every periodic round once: registry poll messages, retries, timers, flow catch-up, deadlines."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running, one pass per interval")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between passes (--loop)")

    def handle(self, *args, loop: bool = False, interval: float = 30.0, **options) -> None:
        while True:
            if not loop:
                counts = run_once()
                self._report(counts)
                failed = [name for name, count in counts.items() if count is None]
                if failed:
                    raise CommandError(f"failed (see the log): {', '.join(failed)}")
                return
            # A long-lived process: drop a connection the database closed since the last pass.
            close_old_connections()
            try:
                self._report(run_once())
            except Exception:
                # Each round is isolated already; this keeps the loop alive through anything
                # else (the database unreachable, say): the next pass tries again.
                logger.exception("round of background work failed; trying again in %s s", interval)
            time.sleep(interval)

    def _report(self, counts: dict[str, int | None]) -> None:
        self.stdout.write(
            ", ".join(f"{name}: {'failed' if count is None else count}" for name, count in counts.items())
        )
