"""A customer starts a cesja, downloads the form, uploads the signed scan; staff verify and
approve; both parties see it completed. In Debian's Chromium, against the sandbox registry;
screenshots go to test-artifacts/cesja-*.png for people to look at."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from playwright.sync_api import Page, expect
from viewflow.workflow.models import Task

from assignments.models import Cesja, State
from documents.models import GeneratedDocument
from registry.models import Domain
from tests.fixtures.browser import log_in, shot
from tests.steps import process_registry
from workflows.flowsync import process_of
from workflows.roles import Team
from workflows.rounds import run_once

from .conftest import INVITATION_LINK

pytestmark = pytest.mark.browser


def _scan_pdf() -> bytes:
    """The signed form as a scanner gives it back: a one-page PDF."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_cesja_from_start_to_completion(
    live_server,
    new_page: Callable[[], Page],
    cesja_world,
    cesja_jobs,
    customer_a,
    registrant_a,
    customer_b,
    registrant_b,
    staff_user,
) -> None:
    from django.core import mail

    domain = cesja_world.domain(registrant_a)
    base = live_server.url

    # Customer A gives the domain to customer B, starting from the domain's row.
    cedent = new_page()
    log_in(cedent, base, customer_a.username)
    cedent.locator("#domains tbody tr", has_text=domain.name).get_by_role("link", name="Cesja").click()
    expect(cedent.locator("h1")).to_have_text("Rozpocznij cesję")
    expect(cedent.get_by_label(domain.name)).to_be_checked()
    cedent.get_by_label("Adres e-mail drugiej strony").fill("to-nie-adres")
    cedent.get_by_label("Powód cesji").select_option("domain_sale")
    cedent.get_by_role("button", name="Rozpocznij cesję").click()
    expect(cedent.locator("#id_other_party_email_error")).to_be_visible()
    expect(cedent.get_by_label(domain.name)).to_be_checked()
    shot(cedent, "cesja-start-refused")
    cedent.get_by_label("Adres e-mail drugiej strony").fill(customer_b.email)
    cedent.get_by_role("button", name="Rozpocznij cesję").click()
    expect(cedent.locator(".badge--state")).to_have_text("Czeka na dołączenie drugiej strony")
    expect(cedent.locator("h1")).to_have_text(domain.name)
    cesja = Cesja.objects.get()
    shot(cedent, "cesja-started")
    case_url = cedent.url

    # B follows the link from the e-mail and joins with their profile.
    invitation = next(m for m in mail.outbox if customer_b.email in m.to and INVITATION_LINK.search(m.body))
    taker = new_page()
    log_in(taker, base, customer_b.username)
    taker.goto(base + INVITATION_LINK.search(invitation.body).group(0))
    expect(taker.locator("h1")).to_have_text("Zapraszamy Cię do cesji")
    shot(taker, "cesja-invitation")
    taker.get_by_label("Twój profil abonenta").select_option(label="Anna Nowak")
    taker.get_by_role("button", name="Dołącz do cesji").click()
    expect(taker.locator(".badge--state")).to_have_text("Czeka na podpisany formularz")
    # The form is rendered in the background; the page says so and refreshes by itself.
    expect(taker.locator("#form-pending")).to_contain_text("Formularz jest przygotowywany")
    shot(taker, "cesja-form-pending")
    process_registry(cesja_jobs, until=lambda: GeneratedDocument.objects.for_case(cesja).exists())
    expect(taker.locator("#form-number")).to_have_text(f"{cesja.number}/1", timeout=20_000)

    # A downloads the form: a PDF, as an attachment.
    cedent.goto(case_url)
    expect(cedent.locator("#form-number")).to_have_text(f"{cesja.number}/1")
    shot(cedent, "cesja-form")
    with cedent.expect_download() as info:
        cedent.get_by_role("link", name="Pobierz formularz (PDF)").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")

    # A uploads the signed scan.
    cedent.get_by_label("Plik").set_input_files(
        {"name": "cesja-podpisana.pdf", "mimeType": "application/pdf", "buffer": _scan_pdf()}
    )
    cedent.get_by_role("button", name="Prześlij").click()
    expect(cedent.locator(".badge--state")).to_have_text("Dokumenty weryfikowane przez naszych pracowników")
    expect(cedent.locator("#received .doc")).to_have_count(1)
    shot(cedent, "cesja-uploaded")

    # The domains team: from the queue to the sheet, the checklist, the approval.
    cesja_jobs.wait_for(
        lambda: (
            Task.objects.filter(process=process_of(cesja), flow_task__isnull=False, finished__isnull=True)
            .filter(owner_permission="accounts.team_domains")
            .exists()
        )
    )
    staff = staff_user(Team.DOMAINS)
    verifier = new_page()
    log_in(verifier, base, staff.username)
    verifier.locator("a", has_text=cesja.number).first.click()
    expect(verifier.locator(".eyebrow")).to_contain_text(cesja.number)
    expect(verifier.get_by_role("button", name="Zatwierdź cesję")).to_be_disabled()
    shot(verifier, "cesja-verify")
    # The items that apply: the representation line only when a party is an organisation.
    applicable = len(Cesja.objects.get(pk=cesja.pk).checklist_items())
    expect(verifier.locator(".checklist__item")).to_have_count(applicable)
    for _ in range(applicable):
        verifier.locator(".checklist__form button", has_text="Zaznacz").first.click()
        verifier.wait_for_load_state("networkidle")
    expect(verifier.locator(".checklist__item.is-checked")).to_have_count(applicable)
    verifier.get_by_label("Notatka do akt").fill("Podpisy i dane zgodne.")
    verifier.get_by_role("button", name="Zatwierdź cesję").click()
    expect(verifier.locator(".message--success")).to_be_visible()
    shot(verifier, "cesja-approved")

    # The registry job runs (in-process, or on the worker); the sweep catches up the flow.
    def completed() -> bool:
        run_once()
        return Cesja.objects.get(pk=cesja.pk).state == State.COMPLETED

    cesja_jobs.wait_for(completed, timeout=60)

    cedent.goto(case_url)
    expect(cedent.locator(".badge--state")).to_have_text("Zakończona")
    expect(cedent.locator(".progress__step--done")).to_have_count(4)
    shot(cedent, "cesja-completed-cedent")
    taker.goto(case_url)
    expect(taker.locator(".badge--state")).to_have_text("Zakończona")
    shot(taker, "cesja-completed-cesjonariusz")
    taker.get_by_role("link", name="Zobacz swoje domeny").click()
    expect(taker.locator("#domains .domain-name", has_text=domain.name)).to_be_visible()
    shot(taker, "cesja-home-cesjonariusz")
    assert Domain.objects.of_account(customer_b).filter(pk=domain.pk).exists()


def test_someone_without_an_account_signs_up_from_the_invitation_and_joins(
    live_server, new_page: Callable[[], Page], cesja_world, customer_a, registrant_a, customer_b
) -> None:
    from django.core import mail

    from accounts.models import User
    from assignments import services
    from assignments.models import Reason, Side
    from workflows.models import Channel

    invited = "kupujacy@example.pl"
    domain = cesja_world.domain(registrant_a)
    cesja = services.start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[domain],
        cedent_registrant=registrant_a,
        other_party_email=invited,
        reason=Reason.DOMAIN_SALE,
        actor=customer_a,
        channel=Channel.WEB,
    )
    base = live_server.url
    message = next(m for m in mail.outbox if invited in m.to)
    assert "załóż konto" in message.body
    link = INVITATION_LINK.search(message.body).group(0)

    # Someone else, logged in, opens the link: told where it went, and nothing changes.
    other = new_page()
    log_in(other, base, customer_b.username)
    other.goto(base + link)
    expect(other.get_by_role("alert")).to_contain_text("k***@example.pl")
    expect(other.get_by_label("Twój profil abonenta")).to_have_count(0)
    shot(other, "cesja-signup-0-wrong-account")
    other.context.close()

    # The invited person, with no account, follows the link from the e-mail.
    page = new_page()
    page.goto(base + link)
    expect(page.locator("h2#signup-title")).to_have_text("Załóż konto")
    expect(page.get_by_label("Adres e-mail")).to_have_value(invited)
    expect(page.get_by_label("Adres e-mail")).to_be_disabled()
    expect(page.get_by_role("link", name="zaloguj się")).to_have_attribute("href", f"/login/?next={link}")
    shot(page, "cesja-signup-1-form")

    # A username already taken is refused in the form, with the rest kept.
    page.get_by_label("Nazwa użytkownika").fill(customer_a.username)
    page.get_by_label("Imię").fill("Ola")
    page.get_by_label("Nazwisko").fill("Kupiec")
    page.locator("#id_password1").fill("Zakup-Domeny-2026!")
    page.get_by_label("Potwierdzenie hasła").fill("Zakup-Domeny-2026!")
    page.get_by_role("button", name="Załóż konto i przejdź dalej").click()
    expect(page.locator("#id_username_error")).to_be_visible()
    expect(page.get_by_label("Imię")).to_have_value("Ola")
    shot(page, "cesja-signup-2-username-taken")

    page.get_by_label("Nazwa użytkownika").fill("ola.kupiec")
    page.locator("#id_password1").fill("Zakup-Domeny-2026!")
    page.get_by_label("Potwierdzenie hasła").fill("Zakup-Domeny-2026!")
    page.get_by_role("button", name="Załóż konto i przejdź dalej").click()
    expect(page.locator("h1")).to_have_text("Zapraszamy Cię do cesji")
    expect(page.locator(".message--success")).to_contain_text("ola.kupiec")
    shot(page, "cesja-signup-3-account-ready")
    assert User.objects.get(username="ola.kupiec").email == invited

    # No profile yet: add one, and come back to the invitation.
    page.get_by_role("link", name="Dodaj osobę").click()
    page.get_by_label("Imię").fill("Ola")
    page.get_by_label("Nazwisko").fill("Kupiec")
    page.get_by_label("PESEL").fill("02070803628")
    page.get_by_label("Ulica i numer").fill("ul. Nowa 1")
    page.get_by_label("Kod pocztowy").fill("00-001")
    page.get_by_label("Miejscowość").fill("Warszawa")
    page.get_by_label("E-mail").fill(invited)
    shot(page, "cesja-signup-4-profile")
    page.get_by_role("button", name="Zapisz profil").click()
    expect(page.locator("h1")).to_have_text("Zapraszamy Cię do cesji")
    page.get_by_label("Twój profil abonenta").select_option(label="Ola Kupiec")
    shot(page, "cesja-signup-5-choose-profile")
    page.get_by_role("button", name="Dołącz do cesji").click()
    expect(page.locator(".badge--state")).to_have_text("Czeka na podpisany formularz")
    expect(page.locator("#form-pending")).to_be_visible()
    process_registry()
    expect(page.locator("#form-number")).to_have_text(f"{cesja.number}/1", timeout=20_000)
    shot(page, "cesja-signup-6-joined")
    cesja.refresh_from_db()
    assert cesja.cesjonariusz.display_name == "Ola Kupiec"
    assert cesja.cesjonariusz_account.username == "ola.kupiec"
