"""A staff member verifies a caller by the authorisation code from the customer's panel and
starts a transfer for them, in Debian's Chromium against the sandbox registry; screenshots go
to test-artifacts/callers-*.png for people to look at."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from callers.models import CallerSession
from tests.fixtures.browser import log_in, shot
from tests.fixtures.people import PESEL_JAN
from transfers.models import Transfer
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team

pytestmark = pytest.mark.browser


def test_staff_verify_a_caller_by_code_and_start_a_transfer_for_them(
    live_server,
    new_page: Callable[[], Page],
    transfer_world,
    customer_a,
    registrant_a,
    staff_user,
    sandbox_domain,
) -> None:
    remote = sandbox_domain(sponsor="nordhost")
    staff = staff_user(Team.DOMAINS)

    # The customer logs in and finds the code in the panel.
    customer = new_page()
    log_in(customer, live_server.url, customer_a.username)
    card = customer.locator("#caller-code")
    expect(card.get_by_role("heading")).to_have_text("Kod do rozmów z BOK")
    expect(card).to_contain_text("ważny do")
    code = card.locator(".js-caller-code").inner_text()
    assert len(code) == 9 and code[4] == "-"
    shot(customer, "callers-customer-code")

    # The staff member finds them by PESEL.
    page = new_page()
    log_in(page, live_server.url, staff.username)
    page.locator(".main-nav").get_by_role("link", name="Rozmówcy").click()
    page.get_by_label("Szukaj po").select_option("pesel")
    page.get_by_label("Co podaje rozmówca").fill(PESEL_JAN)
    page.get_by_role("button", name="Szukaj").click()
    matches = page.locator("#matches")
    expect(matches).to_contain_text("Jan Kowalski")
    expect(matches).to_contain_text("44•••••••59")
    shot(page, "callers-find")

    # A misheard code first: refused, said so, and the field is empty again.
    matches.get_by_role("link", name="Sprawdź kod").click()
    wrong = "".join(str((int(d) + 1) % 10) if d.isdigit() else d for d in code)
    page.get_by_label("Kod autoryzacyjny odczytany przez rozmówcę").fill(wrong)
    page.get_by_label("Telefon").check()
    page.get_by_role("button", name="Zweryfikuj").click()
    expect(page.locator(".alert--error")).to_contain_text("Błędny kod")
    expect(page.get_by_label("Kod autoryzacyjny odczytany przez rozmówcę")).to_have_value("")
    shot(page, "callers-wrong-code")

    # The right code, as read out.
    page.get_by_label("Kod autoryzacyjny odczytany przez rozmówcę").fill(code)
    page.get_by_label("Telefon").check()
    page.get_by_role("button", name="Zweryfikuj").click()
    banner = page.locator(".caller-banner")
    expect(banner).to_contain_text("Działasz w imieniu: Jan Kowalski (telefon)")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jan Kowalski")
    shot(page, "callers-acting")

    # A transfer for the caller, with the code the caller has from the other registrar.
    page.get_by_role("link", name="Rozpocznij transfer").click()
    page.get_by_label("Nazwa domeny").fill(remote.name)
    page.get_by_label("Kod transferu (authinfo)").fill(remote.authinfo)
    page.get_by_label("Profil abonenta").select_option(label="Jan Kowalski")
    shot(page, "callers-start-transfer")
    page.get_by_role("button", name="Rozpocznij transfer").click()
    expect(page.locator(".message--success")).to_contain_text("w imieniu klienta Jan Kowalski")
    expect(banner).to_be_visible()  # still acting for the caller on the request's page
    shot(page, "callers-transfer-started")

    transfer = Transfer.objects.get(domain_name=remote.name)
    assert transfer.account == customer_a
    event = HistoryEvent.objects.for_object(transfer).get(event_type=EventType.TRANSFER_STATE_CHANGED)
    assert (event.actor, event.channel) == (staff, Channel.PHONE)
    assert CallerSession.objects.get().channel == Channel.PHONE

    # The customer sees the request in their panel.
    customer.reload()
    expect(customer.locator("#requests")).to_contain_text(remote.name)

    # Ending the session takes the banner away.
    banner.get_by_role("button", name="Zakończ").click()
    expect(page.locator(".caller-banner")).to_have_count(0)
