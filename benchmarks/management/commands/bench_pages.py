"""Report the latency of the queue, the customer's request list and the auditor's search."""

from __future__ import annotations

import json
import os
import platform

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from assignments.models import Cesja
from benchmarks.pages import Timing, measure, pages
from transfers.models import Transfer
from workflows.models import HistoryEvent


class Command(BaseCommand):
    help = (
        "Requests each measured page --runs times as the person who would open it and prints "
        "p50, p95 and the slowest time with the number of queries. Run it on a database filled "
        "by seed_volume, with DJANGO_DEBUG=0."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=40)
        parser.add_argument("--json", help="Also write the figures to this file.")
        parser.add_argument(
            "--only", default="", help="Measure only the pages whose group or name contains this text."
        )

    def handle(self, *args, runs: int, json: str | None, only: str, **options) -> None:
        if runs < 5:
            raise CommandError("--runs must be at least 5 for a 95th percentile to mean anything.")
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: every query is also logged, which adds time. Set DJANGO_DEBUG=0.")
        try:
            page_list = pages()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        page_list = [page for page in page_list if only.lower() in f"{page.group}: {page.label}".lower()]
        size = (
            f"{Transfer.objects.count() + Cesja.objects.count():,} requests, "
            f"{HistoryEvent.objects.count():,} events"
        )
        machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {connection.vendor}"
        self.stdout.write(f"Data: {size}. Machine: {machine}. {runs} runs per page.\n")
        self.stdout.write(f"{'page':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")

        def show(timing: Timing) -> None:
            self.stdout.write(
                f"{timing.page.group + ': ' + timing.page.label:58} {timing.p50_ms:8.1f} "
                f"{timing.p95_ms:8.1f} {timing.max_ms:8.1f} {timing.queries:8d}"
            )

        results = measure(page_list, runs=runs, progress=show)
        if json:
            with open(json, "w", encoding="utf-8") as out:
                out_json = {
                    "data": size,
                    "machine": machine,
                    "runs": runs,
                    "pages": [
                        {
                            "group": t.page.group,
                            "page": t.page.label,
                            "url": t.page.url,
                            "p50_ms": round(t.p50_ms, 1),
                            "p95_ms": round(t.p95_ms, 1),
                            "max_ms": round(t.max_ms, 1),
                            "queries": t.queries,
                        }
                        for t in results
                    ],
                }
                out.write(_dumps(out_json))


def _dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
