"""Fill the database with a registrar's worth of requests and history, for benchmarks."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from assignments.models import Cesja
from benchmarks.volume import seed_volume
from transfers.models import Transfer


class Command(BaseCommand):
    help = (
        "Adds generated customers, domains, transfers, cesje, their processes and tasks, and a "
        "chained history log (100,000 requests and 1,000,000 events by default). Meant for a "
        "database of its own: it refuses a database that already holds requests unless --append."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--requests", type=int, default=100_000)
        parser.add_argument("--events", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=2026, help="Same seed, same data.")
        parser.add_argument(
            "--append", action="store_true", help="Add to a database that already holds requests."
        )

    def handle(self, *args, requests: int, events: int, seed: int, append: bool, **options) -> None:
        if requests < 1:
            raise CommandError("--requests must be at least 1.")
        if events < 2 * requests:
            raise CommandError("--events must be at least twice --requests (a start and a latest step each).")
        if not append and (Transfer.objects.exists() or Cesja.objects.exists()):
            raise CommandError(
                "This database already holds requests. Seed a database of its own "
                "(e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/regflow_volume), or pass --append."
            )
        started = time.monotonic()

        def progress(text: str) -> None:
            self.stdout.write(f"  {time.monotonic() - started:7.1f} s  {text}")

        report = seed_volume(requests=requests, events=events, seed=seed, progress=progress)
        if connection.vendor == "postgresql":
            # What autovacuum would do over the next hours: fresh statistics, and a visibility
            # map so that index-only scans need not visit the table.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {time.monotonic() - started:.0f} s: {report.transfers:,} transfers, "
                f"{report.cesje:,} cesje, {report.events:,} events, {report.customers:,} customers, "
                f"{report.tasks:,} tasks ({report.open_human_tasks:,} open in the domains queue)."
            )
        )
        self.stdout.write(
            f"Largest customer: {report.largest_customer}; a typical one: {report.typical_customer}; "
            f"staff: {report.staff['staff']}, supervisor: {report.staff['supervisor']}, "
            f"auditor: {report.staff['auditor']}."
        )
