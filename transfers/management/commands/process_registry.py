"""One round of the registry's background work, or rounds forever with --loop (the embedded
default, where no Celery beat runs): poll messages, commands waiting for the registry,
reconciliation of long-pending transfers, expired authinfo codes, due viewflow timers; for
cesje: reminders, expiry, registry retries and flow catch-up; deadline warnings and
escalations of human tasks."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from assignments import tasks as cesja_tasks
from assignments.flows import sync_open_flows as sync_open_cesja_flows
from transfers import tasks
from transfers.flows import sync_open_flows
from workflows import outbox, queues

logger = logging.getLogger(__name__)


def run_once() -> dict[str, int]:
    # Called directly (not .delay): this process is the worker here.
    return {
        "poll messages": tasks.process_poll_messages(),
        "outbox messages sent": outbox.relay(),
        "transfers reconciled": tasks.reconcile_pending_transfers(),
        "codes reset": tasks.reset_expired_authinfo_codes(),
        "timers fired": tasks.fire_workflow_timers(),
        "flow steps": sync_open_flows(),
        "cesja reminders": cesja_tasks.send_cesja_reminders(),
        "cesje expired": cesja_tasks.expire_overdue_cesje(),
        "cesja flow steps": sync_open_cesja_flows(),
        "task deadlines": queues.warn_and_escalate(),
    }


class Command(BaseCommand):
    help = "Process registry poll messages, retries, reconciliation, code resets and due timers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running, one round per interval")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between rounds (--loop)")

    def handle(self, *args, loop: bool = False, interval: float = 30.0, **options) -> None:
        while True:
            if not loop:
                self._report(run_once())
                return
            try:
                self._report(run_once())
            except Exception:
                # A round that fails (the registry unreachable, say) must not end the loop:
                # the next round tries again, as a Celery beat schedule would.
                logger.exception("registry round failed; trying again in %s s", interval)
            time.sleep(interval)

    def _report(self, counts: dict[str, int]) -> None:
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
