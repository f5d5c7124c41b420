"""Who may act for a domain, as people see it in Debian's Chromium against the sandbox
registry: a transfer staff start for Jan of Anna's domain leaves Anna its registrant, and a
cesja kills the code the cedent was given. Screenshots go to test-artifacts/domains-*.png."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from assignments.models import State as CesjaState
from assignments.services import approve_cesja
from domains.models import AuthInfoCode
from registry.epp.results import InvalidAuthInfo
from registry.models import Domain, RegistrantBasis
from tests.fixtures.browser import log_in, shot
from tests.fixtures.people import PESEL_JAN
from transfers.models import State, Transfer
from workflows.models import Channel
from workflows.roles import Team

from ..assignments.helpers import ready_for_approval
from ..transfers.helpers import losing_side_lets_go, process_registry, wait_state
from .test_registrant import annas_contact, remote_domain

pytestmark = pytest.mark.browser

CONFIRM_LINK = re.compile(r"https?://\S+/transfers/confirm/[A-Za-z0-9_-]+/")


def verify_caller(page: Page, customer: Page, base_url: str) -> None:
    """The staff member verifies Jan by the code in his panel, over the phone."""
    code = customer.locator("#caller-code .js-caller-code").inner_text()
    page.locator(".main-nav").get_by_role("link", name="Rozmówcy").click()
    page.get_by_label("Szukaj po").select_option("pesel")
    page.get_by_label("Co podaje rozmówca").fill(PESEL_JAN)
    page.get_by_role("button", name="Szukaj").click()
    page.locator("#matches").get_by_role("link", name="Sprawdź kod").click()
    page.get_by_label("Kod autoryzacyjny odczytany przez rozmówcę").fill(code)
    page.get_by_label("Telefon").check()
    page.get_by_role("button", name="Zweryfikuj").click()
    expect(page.locator(".caller-banner")).to_contain_text("Jan Kowalski")


def test_staff_acting_for_jan_bring_annas_domain_and_jan_cannot_ask_for_its_code(
    live_server,
    new_page: Callable[[], Page],
    transfer_world,
    transfer_jobs,
    epp_client,
    customer_a,
    registrant_a,
    staff_user,
) -> None:
    name, code = remote_domain(transfer_world, registrant=annas_contact(transfer_world))
    staff = staff_user(Team.DOMAINS)
    customer = new_page()
    log_in(customer, live_server.url, customer_a.username)
    page = new_page()
    log_in(page, live_server.url, staff.username)
    verify_caller(page, customer, live_server.url)

    # Staff start the transfer "for Jan", naming Jan's profile.
    page.get_by_role("link", name="Rozpocznij transfer").click()
    page.get_by_label("Nazwa domeny").fill(name)
    page.get_by_label("Kod transferu (authinfo)").fill(code)
    page.get_by_label("Profil abonenta").select_option(label="Jan Kowalski")
    page.get_by_role("button", name="Rozpocznij transfer").click()
    expect(page.locator(".message--success")).to_contain_text("w imieniu klienta Jan Kowalski")
    transfer = Transfer.objects.get(domain_name=name)

    # The confirmation goes to Anna, the registrant the registry holds; she confirms.
    [message] = [m for m in mail.outbox if "anna.nowak@example.pl" in m.to and CONFIRM_LINK.search(m.body)]
    anna = new_page()
    anna.goto(CONFIRM_LINK.search(message.body).group(0).replace("http://127.0.0.1:8000", live_server.url))
    anna.get_by_role("button", name="Potwierdź transfer").click()
    wait_state(transfer_jobs, transfer, State.PENDING)
    losing_side_lets_go(transfer_world, epp_client, name)  # .pl: Anna answers NASK's e-mail too
    process_registry(
        transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
    )
    transfer_jobs.wait_for(lambda: Domain.objects.get(name=name).registrant_basis != RegistrantBasis.READING)

    # Jan sees the domain, held by Anna as the registry says, not confirmed, and no code.
    customer.reload()
    row = customer.locator("#domains tr", has_text=name)
    expect(row).to_contain_text("Anna Nowak")
    expect(row).to_contain_text("według rejestru, niepotwierdzony")
    expect(row.get_by_role("link", name=re.compile("^Kod transferu"))).to_have_count(0)
    shot(customer, "domains-registrant-not-confirmed")
    domain = Domain.objects.get(name=name)
    customer.goto(f"{live_server.url}/domains/{domain.pk}/authinfo/")
    expect(customer.get_by_role("heading", name="Najpierw potwierdź abonenta")).to_be_visible()
    expect(customer.get_by_role("button", name="Wydaj kod")).to_have_count(0)
    shot(customer, "domains-confirm-registrant-first")
    assert domain.registrant != registrant_a and domain.registrant.display_name == "Anna Nowak"
    assert not AuthInfoCode.objects.filter(domain=domain).exists()


def test_after_a_cesja_the_cedents_code_is_refused_by_the_registry(
    live_server,
    new_page: Callable[[], Page],
    cesja_world,
    cesja_jobs,
    epp_https_client,
    customer_a,
    registrant_a,
    organisation_a,
    domains_staff,
) -> None:
    domain = cesja_world.domain(registrant_a)  # a .pl domain, at the sandbox's NASK
    page = new_page()
    log_in(page, live_server.url, customer_a.username)
    page.goto(f"{live_server.url}/domains/{domain.pk}/authinfo/")
    page.get_by_role("button", name="Wydaj kod").click()
    code = page.locator("#authinfo-code").inner_text().strip()
    assert cesja_world.sandbox.store.authinfo_matches(domain.name, code)
    shot(page, "domains-code-before-cesja")

    cesja = ready_for_approval(domain, customer_a, registrant_a, organisation_a, domains_staff[0])
    approve_cesja(cesja=cesja, actor=domains_staff[0], channel=Channel.WEB)
    wait_state(cesja_jobs, cesja, CesjaState.COMPLETED)
    cesja_jobs.wait_for(lambda: not cesja_world.sandbox.store.authinfo_matches(domain.name, code))

    # The panel no longer shows the code as valid.
    page.goto(f"{live_server.url}/domains/{domain.pk}/authinfo/")
    expect(page.locator("main")).not_to_contain_text("jest ważny do")
    shot(page, "domains-code-after-cesja")
    # Another registrar given the old code is refused by the registry.
    with pytest.raises(InvalidAuthInfo) as refused:
        epp_https_client("webpartner").transfer_request(domain.name, code)
    assert refused.value.code == 2202


def test_a_difference_with_the_registry_reaches_the_domains_team_who_close_it(
    live_server,
    new_page: Callable[[], Page],
    transfer_world,
    customer_a,
    registrant_a,
    staff_user,
) -> None:
    from domains.models import RegistryDifference

    from .test_registry_differences import change_at_registry

    domain = transfer_world.outgoing_domain(registrant_a)
    change_at_registry(transfer_world, domain.name, registrant=annas_contact(transfer_world))
    customer = new_page()
    log_in(customer, live_server.url, customer_a.username)
    customer.goto(f"{live_server.url}/domains/{domain.pk}/authinfo/")
    customer.get_by_role("button", name="Wydaj kod").click()
    expect(customer.locator(".alert--error")).to_contain_text("Rejestr pokazuje innego abonenta")
    shot(customer, "domains-code-refused-registry-differs")

    staff = staff_user(Team.DOMAINS)
    page = new_page()
    log_in(page, live_server.url, staff.username)
    row = (
        page.locator("tr", has_text="Rozbieżność z rejestrem: sprawdzenie").filter(has_text=domain.name).first
    )
    shot(page, "domains-queue-with-difference")
    row.get_by_role("link", name=re.compile(re.escape(domain.name))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(domain.name)
    expect(page.locator("main")).to_contain_text(registrant_a.registry_handle)
    page.get_by_label("Co zrobiono").fill(
        "Klient sprzedał domenę u poprzedniego rejestratora; poproszono o cesję."
    )
    shot(page, "domains-registry-difference")
    page.get_by_role("button", name="Oznacz jako sprawdzone").click()
    expect(page.locator(".message--success")).to_contain_text("sprawdzoną")
    assert RegistryDifference.objects.get(domain=domain).resolved_by == staff
