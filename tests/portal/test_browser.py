"""A real browser (Debian's Chromium through Playwright) logs in as each role and looks.

Full-page screenshots go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.demo import DEMO_PASSWORD, seed_demo
from tests.fixtures.browser import log_in, shot
from workflows.history import record_event
from workflows.models import Channel, EventType
from workflows.roles import Team

pytestmark = pytest.mark.browser

# The demo's own logins (portal.demo), one per role, and what each must see first.
DEMO_TOUR = [
    ("customer", "jan.kowalski", "#domains .domain-name >> text=żółtyrower.pl"),
    ("staff", "bok.domeny", "#queue-title >> text=Domeny"),
    ("supervisor", "kierownik.bok", "#teams-title"),
    ("auditor", "audytor", "table.table--events"),
]


@pytest.mark.parametrize(("role", "username", "landmark"), DEMO_TOUR, ids=[row[0] for row in DEMO_TOUR])
def test_demo_tour(live_server, page: Page, role: str, username: str, landmark: str) -> None:
    seed_demo()
    log_in(page, live_server.url, username, DEMO_PASSWORD)
    expect(page.locator(landmark).first).to_be_visible()
    expect(page.locator(".user-box__name")).to_be_visible()
    shot(page, f"demo-{role}")


def test_login_page(live_server, page: Page) -> None:
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("h2#login-title")).to_have_text("Zaloguj się")
    expect(page.locator(".lang-switch button.is-current")).to_have_text("PL")
    shot(page, "login")


def test_customer_home(live_server, page: Page, customer_a, domains_a, organisation_a) -> None:
    log_in(page, live_server.url, customer_a.username)
    expect(page.locator("#domains-title")).to_have_text("Twoje domeny")
    # The IDN is shown as people write it, not as its A-label.
    expect(page.locator("#domains .domain-name", has_text="żółtyrower.pl")).to_be_visible()
    expect(page.locator("#requests .empty__title")).to_be_visible()
    shot(page, "customer-home")
    # The same page on a phone: one column, nothing cut off.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#check-title")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "customer-home-phone")


def test_check_a_domain_from_the_home_page(live_server, page: Page, customer_a, domains_a) -> None:
    log_in(page, live_server.url, customer_a.username)
    page.get_by_label("Nazwa domeny").fill("żółtyrower.pl")
    page.get_by_role("button", name="Sprawdź", exact=True).click()
    expect(page.locator(".result--ours")).to_contain_text("Ta domena jest u nas.")
    shot(page, "check-domain-ours")
    page.get_by_label("Nazwa domeny").fill("kowalski.xyz")
    page.get_by_role("button", name="Sprawdź", exact=True).click()
    expect(page.locator(".field__error")).to_contain_text("Nie obsługujemy domen .xyz.")
    shot(page, "check-domain-unserved")


def test_language_switch_saves_english(live_server, page: Page, customer_a, domains_a) -> None:
    log_in(page, live_server.url, customer_a.username)
    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#domains-title")).to_have_text("Your domains")
    expect(page.locator(".lang-switch button.is-current")).to_have_text("EN")
    customer_a.refresh_from_db()
    assert customer_a.language == "en"
    shot(page, "customer-home-en")


def test_staff_home(live_server, page: Page, staff_user) -> None:
    user = staff_user(Team.DOMAINS)
    log_in(page, live_server.url, user.username)
    expect(page.locator("#queue-title")).to_contain_text("Domeny")
    expect(page.locator("#queue .empty")).to_be_visible()
    shot(page, "staff-home")


def test_supervisor_home(live_server, page: Page, supervisor, staff_user, make_task) -> None:
    colleague = staff_user(Team.DOMAINS)
    make_task(Team.DOMAINS, age=timedelta(days=3))
    make_task(Team.DOMAINS, age=timedelta(hours=5))
    make_task(Team.DOMAINS, owner=colleague, age=timedelta(days=1))
    make_task(Team.BILLING, age=timedelta(hours=2))
    log_in(page, live_server.url, supervisor.username)
    expect(page.locator("#teams-title")).to_be_visible()
    expect(page.locator("#queue tbody tr")).to_have_count(2)
    expect(page.locator("#queue tr.is-overdue")).to_have_count(1)
    shot(page, "supervisor-home")


def test_auditor_home_and_event(live_server, page: Page, auditor, customer_a, staff_user) -> None:
    log_in(page, live_server.url, customer_a.username)
    page.locator(".logout-form button").click()
    record_event(
        event_type=EventType.DOMAIN_UPDATED,
        summary="Zmieniono serwery nazw na prośbę abonenta.",
        actor=staff_user(Team.DOMAINS),
        channel=Channel.PHONE,
        domain_name="xn--tyrower-k0a52e8r.pl",
        changes={"nameservers": [["ns1.stary.pl", "ns2.stary.pl"], ["ns1.nowy.pl", "ns2.nowy.pl"]]},
        data={"call_id": "T-2026-117", "verified_by": "PESEL"},
    )
    log_in(page, live_server.url, auditor.username)
    expect(page.locator("h1")).to_have_text("Historia zdarzeń")
    rows = page.locator("table.table--events tbody tr")
    expect(rows.first).to_contain_text("adam.audytor")
    shot(page, "auditor-home")
    expect(page.locator("table.table--events .domain-name", has_text="żółtyrower.pl")).to_be_visible()
    page.locator("table.table--events tbody tr", has_text="żółtyrower.pl").locator("a").click()
    expect(page.locator(".check--ok")).to_have_count(2)
    expect(page.locator(".diff-after")).to_contain_text("ns1.nowy.pl")
    shot(page, "auditor-event")


def test_wrong_pesel_shows_polish_message(live_server, page: Page, customer_a) -> None:
    log_in(page, live_server.url, customer_a.username)
    page.goto(f"{live_server.url}/profiles/new/person/")
    page.get_by_label("Imię").fill("Jan")
    page.get_by_label("Nazwisko").fill("Kowalski")
    page.get_by_label("PESEL").fill("44051401358")
    page.get_by_label("Ulica i numer").fill("ul. Długa 12/4")
    page.get_by_label("Kod pocztowy").fill("31-147")
    page.get_by_label("Miejscowość").fill("Kraków")
    page.get_by_label("E-mail").fill("jan.kowalski@example.pl")
    page.locator("button[type=submit]", has_text="Zapisz profil").click()
    error = page.locator(".field--invalid .field__error")
    expect(error).to_contain_text("numer PESEL ma błędną cyfrę kontrolną")
    shot(page, "wrong-pesel")


def test_organisation_form_keeps_krs_rule(live_server, page: Page, customer_a) -> None:
    log_in(page, live_server.url, customer_a.username)
    page.goto(f"{live_server.url}/profiles/new/organisation/")
    page.locator("#id_name").fill("Piekarnia Zdrowie sp. z o.o.")
    page.get_by_label("Forma prawna").select_option("sole_trader")
    # A sole trader is not in the KRS, so the page hides the field ...
    expect(page.get_by_label("KRS")).to_be_hidden()
    page.get_by_label("Forma prawna").select_option("llc")
    expect(page.get_by_label("KRS")).to_be_visible()
    page.get_by_label("Sposób reprezentacji").select_option("alone")
    page.get_by_label("NIP").fill("779-243-35-27")
    page.get_by_label("REGON").fill("192598184")
    page.get_by_label("Ulica i numer").fill("ul. Chlebowa 7")
    page.get_by_label("Kod pocztowy").fill("60-101")
    page.get_by_label("Miejscowość").fill("Poznań")
    page.get_by_label("E-mail").fill("biuro@piekarnia-zdrowie.example.pl")
    page.locator("#id_reps-0-first_name").fill("Marek")
    page.locator("#id_reps-0-last_name").fill("Wiśniewski")
    page.locator("#id_reps-0-function").fill("Prezes Zarządu")
    page.get_by_role("button", name="Dodaj kolejnego reprezentanta").click()
    expect(page.locator("#id_reps-1-first_name")).to_be_focused()
    page.locator("button[type=submit]", has_text="Zapisz profil").click()
    # ... and the server still says that a company needs its KRS number.
    expect(page.locator(".js-krs-field .field__error")).to_have_text("Błąd: To pole jest wymagane.")
    shot(page, "organisation-form")


def test_locked_out_page(live_server, page: Page, customer_a) -> None:
    for _attempt in range(5):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Nazwa użytkownika").fill(customer_a.username)
        page.get_by_label("Hasło").fill("not the password")
        page.locator("form button[type=submit]", has_text="Zaloguj się").click()
    expect(page.locator("h1")).to_have_text("Logowanie jest na chwilę zablokowane")
    shot(page, "locked-out")
