"""Times the cesja declaration: warm renderer (one child process reused) against a cold one
(a new process per form, as a naive ``subprocess`` per render would do), and WeasyPrint
called in this process without any limits, for the cost of the isolation itself."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import Registrant
from documents.cesja_form import (
    ORGANISATION,
    PERSON,
    TEMPLATE,
    CesjaFormData,
    Party,
    Representative,
    declaration_context,
    render_cesja_declaration,
    staff_url,
)
from documents.rendering import ASSET_DIR, PDF_VARIANT, PdfRenderer


def sample_form() -> CesjaFormData:
    person = Party(
        kind=PERSON,
        first_name="Łukasz",
        last_name="Źródłowski",
        pesel="44051401359",
        street="ul. Żółkiewskiego 7 m. 12",
        postal_code="90-001",
        city="Łódź",
        email="lukasz@example.pl",
    )
    firm = Party(
        kind=ORGANISATION,
        name="Pracownia Gęślą Jaźń sp. z o.o.",
        legal_form=Registrant.LegalForm.LLC,
        nip="7792433527",
        regon="192598184",
        krs="0000123456",
        representation=Registrant.Representation.JOINTLY,
        representatives=(
            Representative("Małgorzata", "Wiśniewska", "Prezes Zarządu"),
            Representative("Grzegorz", "Dąbrowski", "Członek Zarządu"),
        ),
        street="ul. Świętokrzyska 30",
        postal_code="00-116",
        city="Warszawa",
        email="biuro@example.pl",
    )
    return CesjaFormData(
        case_id=123,
        case_url=staff_url("/staff/cesje/123/"),
        cedent=person,
        cesjonariusz=firm,
        domains=["żółtyrower.pl", "kowalski.com.pl"],
        reason="Zakup domeny",
        upload_url=staff_url("/cesje/123/"),
        document_number="CES/2026/000123/1",
        verification_code="ACDE-FG34",
    )


def timed(count: int, render: Callable[[], bytes]) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        render()
        times.append((time.perf_counter() - started) * 1000)
    return times


class Command(BaseCommand):
    help = "Time the cesja declaration PDF: warm renderer, cold renderer, and in-process WeasyPrint."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=50, help="forms per warm run (default 50)")
        parser.add_argument("--cold-count", type=int, default=10, help="forms for the cold run (default 10)")

    def handle(self, *args, count: int, cold_count: int, **options) -> None:
        # WeasyPrint logs every step at INFO; in this process that would time the console.
        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        data = sample_form()
        results: dict[str, list[float]] = {}

        warm = PdfRenderer()
        try:
            warm.render_html("<p>warm-up</p>")
            results["warm (one child, reused)"] = timed(
                count, lambda: render_cesja_declaration(data, renderer=warm)
            )
        finally:
            warm.close()

        def cold() -> bytes:
            renderer = PdfRenderer()
            try:
                return render_cesja_declaration(data, renderer=renderer)
            finally:
                renderer.close()

        results["cold (new process per form)"] = timed(cold_count, cold)

        from documents.rendering.engine import html_to_pdf

        def in_process() -> bytes:
            with translation.override("pl"):
                html = render_to_string(TEMPLATE, declaration_context(data, "pl"))
            return html_to_pdf(html, ASSET_DIR, pdf_variant=PDF_VARIANT)[0]

        in_process()
        results["in-process WeasyPrint, no limits"] = timed(count, in_process)

        self.stdout.write(f"{'renderer':36} {'forms':>5} {'mean ms':>8} {'p95 ms':>8}")
        for name, times in results.items():
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
            self.stdout.write(f"{name:36} {len(times):5d} {statistics.mean(times):8.0f} {p95:8.0f}")
