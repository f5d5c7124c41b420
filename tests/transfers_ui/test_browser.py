"""A customer transfers a domain to us in Debian's Chromium, end to end against the sandbox
registry; screenshots go to test-artifacts/transfers-*.png for people to look at."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from registry.models import Domain
from tests.fixtures.browser import log_in, shot
from transfers import tasks
from transfers.models import State, Transfer
from workflows.roles import Team

from .conftest import CONFIRM_LINK

pytestmark = pytest.mark.browser


def test_customer_transfers_a_domain_to_us(
    live_server,
    page: Page,
    new_page: Callable[[], Page],
    transfer_world,
    customer_a,
    registrant_a,
    sandbox_domain,
    epp_client,
    transfer_jobs,
) -> None:
    remote = sandbox_domain(sponsor="nordhost")
    log_in(page, live_server.url, customer_a.username)
    expect(page.locator("#requests .empty__title")).to_have_text("Nie masz żadnych zleceń")
    page.locator("#requests").get_by_role("link", name="Przenieś domenę do nas").first.click()

    # A refusal first: a wrong code comes back as a form error, and the code field is empty.
    page.get_by_label("Nazwa domeny").fill(remote.name)
    page.get_by_label("Kod transferu (authinfo)").fill("Zly-Kod-000")
    page.get_by_label("Profil abonenta").select_option(label="Jan Kowalski")
    page.get_by_role("button", name="Rozpocznij transfer").click()
    expect(page.locator(".alert--error")).to_contain_text("Kod transferu")
    expect(page.get_by_label("Kod transferu (authinfo)")).to_have_value("")
    expect(page.get_by_label("Nazwa domeny")).to_have_value(remote.name)
    shot(page, "transfers-start-refused")

    page.get_by_label("Kod transferu (authinfo)").fill(remote.authinfo)
    page.get_by_role("button", name="Rozpocznij transfer").click()
    expect(page.locator("h1")).to_have_text(remote.name)
    expect(page.locator(".badge--state")).to_have_text("Czeka na potwierdzenie abonenta")
    expect(page.locator("#next-title")).to_have_text("Co musisz zrobić")
    shot(page, "transfers-awaiting-confirmation")
    request_url = page.url

    # The registrant opens the link from the e-mail, without logging in.
    link = next(m for m in mail.outbox if CONFIRM_LINK.search(m.body))
    path = CONFIRM_LINK.search(link.body).group(0)
    registrant = new_page()
    registrant.goto(f"{live_server.url}{path}")
    expect(registrant.locator("h1")).to_contain_text(remote.name)
    expect(registrant.locator(".confirm-facts")).to_contain_text("RegFlow Rejestrator")
    assert Transfer.objects.get(domain_name=remote.name).state == State.AWAITING_CONFIRMATION
    shot(registrant, "transfers-confirm")
    registrant.get_by_role("button", name="Potwierdź transfer").click()
    expect(registrant.locator("h1")).to_have_text("Dziękujemy: transfer jest potwierdzony")
    shot(registrant, "transfers-confirmed")
    registrant.context.close()

    # The request went to the registry in the background (a worker's, when there is a broker);
    # the customer sees it pending.
    transfer_jobs.wait_for(lambda: Transfer.objects.get(domain_name=remote.name).state == State.PENDING)
    page.goto(request_url)
    expect(page.locator(".badge--state")).to_have_text("Oczekuje w rejestrze")
    expect(page.locator(".timeline__item")).to_have_count(3)
    expect(page.locator(".timeline")).to_contain_text("Rejestr przyjął zgłoszenie transferu")
    shot(page, "transfers-pending")

    # NordHost approves over EPP; our poll job learns of it.
    epp_client("nordhost").transfer_approve(remote.name)
    tasks.process_poll_messages()
    page.reload()
    expect(page.locator(".badge--state")).to_have_text("Zakończony")
    expect(page.locator(".progress__step--done")).to_have_count(4)
    shot(page, "transfers-completed")
    page.get_by_role("link", name="Zobacz swoje domeny").click()
    expect(page.locator("#domains .domain-name", has_text=remote.name)).to_be_visible()
    expect(page.locator("#requests tbody tr")).to_have_count(1)
    assert Domain.objects.of_account(customer_a).held_by_us().filter(name=remote.name).exists()
    shot(page, "transfers-home")


def test_customer_gets_a_code_and_locks_a_domain(live_server, page: Page, customer_a, our_domain) -> None:
    log_in(page, live_server.url, customer_a.username)
    row = page.locator("#domains tbody tr", has_text=our_domain.name)
    row.get_by_role("link", name="Kod transferu").click()
    shot(page, "transfers-authinfo-intro")
    page.get_by_role("button", name="Wydaj kod").click()
    code = page.locator("#authinfo-code").inner_text()
    assert len(code) >= 16
    shot(page, "transfers-authinfo-code")
    page.reload()
    expect(page.locator("#authinfo-code")).to_have_count(0)
    expect(page.locator("h2")).to_contain_text("Kod nie jest już wyświetlany")
    page.get_by_role("link", name="Wróć do swoich domen").click()
    row = page.locator("#domains tbody tr", has_text=our_domain.name)
    row.get_by_role("button", name="Zablokuj transfery").click()
    expect(page.locator(".message--success")).to_contain_text("są zablokowane")
    expect(page.locator("#domains tbody tr", has_text=our_domain.name)).to_contain_text(
        "Transfer zablokowany"
    )
    shot(page, "transfers-locked")


def test_staff_sees_an_outgoing_transfer_with_the_reject_form(
    live_server, page: Page, staff_user, pending_outgoing
) -> None:
    transfer = pending_outgoing()
    user = staff_user(Team.DOMAINS)
    log_in(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/transfers/{transfer.pk}/")
    expect(page.locator("#reject-title")).to_be_visible()
    expect(page.locator(".choice")).to_have_count(len(transfer.policy.rejection_reasons))
    page.get_by_role("button", name="Odrzuć transfer").click()
    expect(page.locator(".field--invalid").first).to_be_visible()
    shot(page, "transfers-staff-reject")


def test_customer_transfers_a_pl_domain_on_nasks_path(
    live_server,
    page: Page,
    browser,
    new_page: Callable[[], Page],
    transfer_world,
    customer_a,
    registrant_a,
    sandbox_domain,
    transfer_jobs,
) -> None:
    """A .pl domain: our confirmation first, then NASK's own e-mail to the registrant, whose
    link (NASK's page, over HTTPS) completes the transfer; meanwhile the customer's page says
    what NASK waits for and has the e-mail sent again."""
    from tests.transfers.helpers import nask_confirmation

    remote = sandbox_domain(sponsor="nordhost", tld="pl")
    door = transfer_world.sandbox_https
    log_in(page, live_server.url, customer_a.username)
    page.goto(f"{live_server.url}/transfers/new/")
    page.get_by_label("Nazwa domeny").fill(remote.name)
    page.get_by_label("Kod transferu (authinfo)").fill(remote.authinfo)
    page.get_by_label("Profil abonenta").select_option(label="Jan Kowalski")
    page.get_by_role("button", name="Rozpocznij transfer").click()
    expect(page.locator(".badge--state")).to_have_text("Czeka na potwierdzenie abonenta")
    request_url = page.url

    link = next(m for m in reversed(mail.outbox) if CONFIRM_LINK.search(m.body))
    registrant = new_page()
    registrant.goto(f"{live_server.url}{CONFIRM_LINK.search(link.body).group(0)}")
    registrant.get_by_role("button", name="Potwierdź transfer").click()
    expect(registrant.locator("h1")).to_have_text("Dziękujemy: transfer jest potwierdzony")
    registrant.context.close()

    # At NASK: the page says what NASK waits for and who must act.
    transfer_jobs.wait_for(lambda: Transfer.objects.get(domain_name=remote.name).state == State.PENDING)
    page.goto(request_url)
    expect(page.locator(".badge--state")).to_have_text("Oczekuje w rejestrze")
    expect(page.locator("#next-step")).to_contain_text("Rejestr (NASK) wysłał abonentowi domeny e-mail")
    expect(page.locator("#next-step")).to_contain_text("Niepotwierdzona prośba wygaśnie")
    shot(page, "transfers-pl-at-nask")
    first = nask_confirmation(door, remote.name)
    page.get_by_role("button", name="Poproś rejestr o ponowne wysłanie potwierdzenia").click()
    expect(page.locator(".message--success")).to_contain_text("Poprosiliśmy rejestr")
    transfer_jobs.wait_for(lambda: nask_confirmation(door, remote.name) != first)
    assert "127.0.0.1" in door.store.confirmation_url

    # The registrant opens the newest link NASK mailed: NASK's page, then its button.
    transfer_id, token = nask_confirmation(door, remote.name)
    nask = browser.new_context(ignore_https_errors=True, locale="pl-PL").new_page()
    nask.goto(f"{door.store.confirmation_url}?transfer={transfer_id}&token={token}")
    expect(nask.locator("h1")).to_contain_text(remote.name)
    shot(nask, "transfers-pl-nask-confirm")
    nask.get_by_role("button", name="Potwierdzam transfer").click()
    expect(nask.locator("h1")).to_have_text("Transfer potwierdzony")
    nask.context.close()

    tasks.process_poll_messages()
    page.reload()
    expect(page.locator(".badge--state")).to_have_text("Zakończony")
    expect(page.locator(".timeline")).to_contain_text("ponownie wysłał abonentowi potwierdzenie")
    shot(page, "transfers-pl-completed")
    assert Domain.objects.of_account(customer_a).held_by_us().filter(name=remote.name).exists()
