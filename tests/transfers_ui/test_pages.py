"""The transfer pages against the sandbox registry: what each shows, what each POST does,
and that a code typed or issued never lands where it should not."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from domains.models import AuthInfoCode
from transfers.models import ConfirmationToken, State, Transfer
from workflows import sealing
from workflows.roles import Team
from workflows.rounds import run_once

from .conftest import mailed_token


def _page(response) -> str:
    return response.content.decode()


# --- starting a transfer ------------------------------------------------------------------------


def test_start_page_offers_own_profiles_and_a_plain_code_field(
    client_for, customer_a, registrant_a, registrant_b, transfer_world
) -> None:
    page = _page(client_for(customer_a).get(reverse("transfers:start")))
    # The code is copied from an e-mail: the customer sees what they paste; the browser keeps nothing.
    [code_input] = re.findall(r'<input[^>]*name="authinfo"[^>]*>', page)
    assert 'type="text"' in code_input and 'autocomplete="off"' in code_input
    assert 'type="password"' not in page
    assert "Jan Kowalski" in page
    assert "Anna Nowak" not in page


def test_start_a_transfer_goes_to_its_page(
    client_for, customer_a, registrant_a, sandbox_domain, transfer_world
) -> None:
    remote = sandbox_domain(sponsor="nordhost")
    response = client_for(customer_a).post(
        reverse("transfers:start"),
        {"domain_name": remote.name.upper(), "authinfo": remote.authinfo, "registrant": registrant_a.pk},
    )
    transfer = Transfer.objects.get(domain_name=remote.name)
    assert response.status_code == 302
    assert response["Location"] == reverse("transfers:detail", args=[transfer.pk])
    assert transfer.account == customer_a and transfer.registrant == registrant_a
    assert transfer.state == State.AWAITING_CONFIRMATION
    assert mailed_token()
    page = _page(client_for(customer_a).get(response["Location"]))
    assert "Czeka na potwierdzenie abonenta" in page or "czeka na potwierdzenie abonenta" in page
    assert "jan.kowalski@example.pl" in page  # where the confirmation link went
    assert remote.authinfo not in page


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("locked", "zablokowana"),
        ("unknown_tld", ".xyz"),
        ("ours", "już u nas"),
        ("wrong_code", "Kod transferu"),
    ],
)
def test_refusals_appear_in_the_form_and_the_code_is_not_echoed(
    client_for, customer_a, sandbox_domain, transfer_world, case: str, expected: str
) -> None:
    # Each with the domain's right code (but the last), so only the rule about it refuses.
    if case == "locked":
        remote = sandbox_domain(sponsor="nordhost", statuses=("clientTransferProhibited",))
        name, code = remote.name, remote.authinfo
    elif case == "unknown_tld":
        name, code = "kowalski.xyz", "Sekretny-Kod-123"
    elif case == "ours":
        remote = sandbox_domain(sponsor=transfer_world.client_id)
        name, code = remote.name, remote.authinfo
    else:
        name, code = sandbox_domain(sponsor="nordhost").name, "Sekretny-Kod-123"
    response = client_for(customer_a).post(
        reverse("transfers:start"), {"domain_name": name, "authinfo": code}
    )
    assert response.status_code == 200
    page = _page(response)
    alert = page[page.index('class="alert alert--error"') :]
    alert = alert[: alert.index("</div>")]
    assert expected in alert, alert
    # The name comes back for correcting; the code does not, anywhere in the page.
    assert f'value="{name}"' in page
    assert code not in page
    assert "wpisz go ponownie" in page
    assert not Transfer.objects.filter(domain_name=name).exists()


def test_bad_input_is_marked_in_the_form(client_for, customer_a, transfer_world) -> None:
    response = client_for(customer_a).post(
        reverse("transfers:start"), {"domain_name": "bez kropki", "authinfo": "Kod-Ktory-Nie-Wraca"}
    )
    page = _page(response)
    assert response.status_code == 200
    assert "field--invalid" in page and "nie może zawierać spacji" in page
    assert "Kod-Ktory-Nie-Wraca" not in page
    response = client_for(customer_a).post(
        reverse("transfers:start"), {"domain_name": "kowalski.pl", "authinfo": ""}
    )
    assert "To pole jest wymagane." in _page(response)


def test_home_lists_the_customers_requests(
    client_for, customer_a, customer_b, registrant_a, start_transfer
) -> None:
    transfer = start_transfer(customer_a, registrant_a)
    page = _page(client_for(customer_a).get("/"))
    requests = page[page.index('id="requests"') :]
    requests = requests[: requests.index("</section>")]
    assert transfer.display_name in requests
    assert reverse("transfers:detail", args=[transfer.pk]) in requests
    assert "Transfer do nas" in requests
    assert "Czeka na potwierdzenie abonenta" in requests
    assert "linku, który wysłaliśmy" in requests  # the next step, in words
    # Customer B sees none of it, and a good empty state with the way to start one.
    other = _page(client_for(customer_b).get("/"))
    assert transfer.display_name not in other
    assert "Nie masz żadnych zleceń" in other
    assert reverse("transfers:start") in other


# --- the confirmation link ------------------------------------------------------------------


def test_confirmation_link_does_not_confirm_on_get(client, customer_a, registrant_a, start_transfer) -> None:
    transfer = start_transfer(customer_a, registrant_a)
    url = reverse("transfers:confirm", args=[mailed_token()])
    for _visit in range(2):  # a mail scanner, then the registrant
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
    page = _page(response)
    assert transfer.display_name in page and "RegFlow Rejestrator" in page and "Jan Kowalski" in page
    assert Transfer.objects.get(pk=transfer.pk).state == State.AWAITING_CONFIRMATION
    assert ConfirmationToken.objects.get(transfer=transfer).used_at is None


def test_confirmation_post_confirms_once(client, customer_a, registrant_a, start_transfer) -> None:
    transfer = start_transfer(customer_a, registrant_a)
    url = reverse("transfers:confirm", args=[mailed_token()])
    response = client.post(url)
    assert response.status_code == 200
    assert "Dziękujemy" in _page(response)
    transfer.refresh_from_db()
    assert transfer.state in {State.SUBMITTING, State.PENDING}
    again = client.get(url)
    assert again.status_code == 410
    assert "już potwierdzony" in _page(again)
    assert client.post(url).status_code == 410


def test_unknown_and_expired_links_get_a_clear_page(client, customer_a, registrant_a, start_transfer) -> None:
    unknown = client.get(reverse("transfers:confirm", args=["nie-ma-takiego-linku"]))
    assert unknown.status_code == 404
    assert "Nie rozpoznajemy tego linku" in _page(unknown)
    transfer = start_transfer(customer_a, registrant_a)
    token = mailed_token()
    ConfirmationToken.objects.filter(transfer=transfer).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    expired = client.post(reverse("transfers:confirm", args=[token]))
    assert expired.status_code == 410
    assert "wygasł" in _page(expired)
    assert Transfer.objects.get(pk=transfer.pk).state == State.AWAITING_CONFIRMATION


def test_link_of_a_cancelled_request_says_so(
    client, client_for, customer_a, registrant_a, start_transfer
) -> None:
    transfer = start_transfer(customer_a, registrant_a)
    token = mailed_token()
    client_for(customer_a).post(reverse("transfers:cancel", args=[transfer.pk]), {"reason": "pomyłka"})
    response = client.get(reverse("transfers:confirm", args=[token]))
    assert response.status_code == 410
    assert "nie czeka już na potwierdzenie" in _page(response)


# --- the request page -------------------------------------------------------------------------


def test_cancel_asks_first_then_cancels(client_for, customer_a, registrant_a, start_transfer) -> None:
    transfer = start_transfer(customer_a, registrant_a)
    client = client_for(customer_a)
    detail = _page(client.get(reverse("transfers:detail", args=[transfer.pk])))
    assert reverse("transfers:cancel", args=[transfer.pk]) in detail
    ask = client.get(reverse("transfers:cancel", args=[transfer.pk]))
    assert ask.status_code == 200 and "Tak, anuluj zlecenie" in _page(ask)
    assert Transfer.objects.get(pk=transfer.pk).state == State.AWAITING_CONFIRMATION
    done = client.post(
        reverse("transfers:cancel", args=[transfer.pk]), {"reason": "zmiana planów"}, follow=True
    )
    transfer.refresh_from_db()
    assert transfer.state == State.CANCELLED and transfer.outcome_reason == "zmiana planów"
    page = _page(done)
    assert "Anulowany" in page
    assert reverse("transfers:cancel", args=[transfer.pk]) not in page
    # A second cancel (another tab) says the request cannot be cancelled any more.
    again = client.post(reverse("transfers:cancel", args=[transfer.pk]), {}, follow=True)
    assert "nie można już anulować" in _page(again)


def test_refused_code_can_be_entered_again(
    client_for, customer_a, registrant_a, start_transfer, epp_client, client, transfer_jobs
) -> None:
    transfer = start_transfer(customer_a, registrant_a)
    # The losing registrar changes the code before the request reaches the registry.
    new_code = "Nowy-Kod-456"
    epp_client("nordhost").domain_update(transfer.domain_name, authinfo=new_code)
    client.post(reverse("transfers:confirm", args=[mailed_token()]))
    # The request goes to the registry in a background job: a worker's, when there is a broker.
    transfer_jobs.wait_for(lambda: Transfer.objects.get(pk=transfer.pk).state == State.AUTHINFO_INVALID)
    customer = client_for(customer_a)
    page = _page(customer.get(reverse("transfers:detail", args=[transfer.pk])))
    assert "Co musisz zrobić" in page and reverse("transfers:resubmit", args=[transfer.pk]) in page
    # A wrong code again: the error is in the form, and the code is not.
    wrong = customer.post(reverse("transfers:resubmit", args=[transfer.pk]), {"authinfo": "Znowu-Zly-789"})
    assert wrong.status_code == 200
    assert "Znowu-Zly-789" not in _page(wrong) and "alert--error" in _page(wrong)
    done = customer.post(reverse("transfers:resubmit", args=[transfer.pk]), {"authinfo": new_code})
    assert done.status_code == 302
    transfer.refresh_from_db()
    assert transfer.state in {State.SUBMITTING, State.PENDING}


def test_outgoing_transfer_can_be_approved_by_the_registrant(
    client_for, customer_a, pending_outgoing
) -> None:
    transfer = pending_outgoing()
    client = client_for(customer_a)
    page = _page(client.get(reverse("transfers:detail", args=[transfer.pk])))
    assert "Transfer od nas" in page
    assert reverse("transfers:approve", args=[transfer.pk]) in page
    assert "Tak, zatwierdź transfer" in _page(client.get(reverse("transfers:approve", args=[transfer.pk])))
    client.post(reverse("transfers:approve", args=[transfer.pk]))
    transfer.refresh_from_db()
    assert transfer.state in {State.APPROVING, State.COMPLETED}


# --- back office ------------------------------------------------------------------------------


def test_staff_reject_offers_only_the_policys_reasons(client_for, staff_user, pending_outgoing) -> None:
    transfer = pending_outgoing()
    staff = client_for(staff_user(Team.DOMAINS))
    page = _page(staff.get(reverse("transfers:detail", args=[transfer.pk])))
    offered = set(transfer.policy.rejection_reasons)
    assert offered and len(offered) < 6
    for code in ("fraud", "court_order", "dispute", "registrant_objected", "unpaid", "identity_dispute"):
        assert (f'value="{code}"' in page) == (code in offered), code
    # Without an explanation nothing is sent, and the choice is kept.
    missing = staff.post(reverse("transfers:reject", args=[transfer.pk]), {"reason_code": "fraud"})
    assert missing.status_code == 200 and "To pole jest wymagane." in _page(missing)
    assert Transfer.objects.get(pk=transfer.pk).state == State.PENDING
    # A reason the policy does not allow is refused by the form.
    if "unpaid" not in offered:
        refused = staff.post(
            reverse("transfers:reject", args=[transfer.pk]), {"reason_code": "unpaid", "explanation": "x"}
        )
        assert refused.status_code == 200
        assert Transfer.objects.get(pk=transfer.pk).state == State.PENDING
    staff.post(
        reverse("transfers:reject", args=[transfer.pk]),
        {"reason_code": "fraud", "explanation": "Zgłoszenie kradzieży tożsamości z 12.03."},
    )
    transfer.refresh_from_db()
    assert transfer.state in {State.REJECTING, State.REJECTED}
    assert transfer.rejection_reason == "fraud"


def test_staff_review_of_a_flagged_request(
    client_for, settings, staff_user, customer_a, registrant_a, transfer_world, sandbox_domain
) -> None:
    remote = sandbox_domain(sponsor="nordhost")
    settings.TRANSFERS_REVIEW_DOMAINS = [remote.name]
    response = client_for(customer_a).post(
        reverse("transfers:start"), {"domain_name": remote.name, "authinfo": remote.authinfo}
    )
    transfer = Transfer.objects.get(domain_name=remote.name)
    assert response.status_code == 302 and transfer.state == State.REVIEW
    staff = client_for(staff_user(Team.DOMAINS))
    page = _page(staff.get(reverse("transfers:detail", args=[transfer.pk])))
    assert "liście domen o wysokiej wartości" in page
    # Refusing needs a note; the note field shows the error and nothing changes.
    empty = staff.post(reverse("transfers:review", args=[transfer.pk]), {"decision": "refuse", "note": ""})
    assert empty.status_code == 200 and "field--invalid" in _page(empty)
    assert Transfer.objects.get(pk=transfer.pk).state == State.REVIEW
    mail.outbox.clear()
    staff.post(
        reverse("transfers:review", args=[transfer.pk]),
        {"decision": "approve", "note": "Tożsamość potwierdzona telefonicznie."},
    )
    transfer.refresh_from_db()
    assert transfer.state == State.AWAITING_CONFIRMATION
    assert mailed_token()
    timeline = _page(client_for(customer_a).get(reverse("transfers:detail", args=[transfer.pk])))
    assert "Tożsamość potwierdzona telefonicznie." in timeline


def test_queue_rows_link_to_the_transfer(client_for, staff_user, pending_outgoing) -> None:
    transfer = pending_outgoing()
    run_once()  # the flow puts the staff check into the domains team's queue
    page = _page(client_for(staff_user(Team.DOMAINS)).get("/"))
    queue = page[page.index('id="queue"') :]
    assert f'href="{reverse("transfers:detail", args=[transfer.pk])}"' in queue


# --- the customer's own domains ------------------------------------------------------------


def test_authinfo_code_is_shown_once(client_for, customer_a, our_domain, transfer_world) -> None:
    client = client_for(customer_a)
    intro = client.get(reverse("domains:authinfo", args=[our_domain.pk]))
    assert intro.status_code == 200 and not our_domain.authinfo_codes.exists()  # GET issues nothing
    mail.outbox.clear()
    response = client.post(reverse("domains:authinfo", args=[our_domain.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("domains:authinfo_issued", args=[our_domain.pk])
    issued = AuthInfoCode.objects.get(domain=our_domain)
    shown = client.get(response["Location"])
    assert "no-store" in shown["Cache-Control"]
    page = _page(shown)
    code = page.split('id="authinfo-code"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert sealing.digest(our_domain.name, code) == issued.code_digest
    assert transfer_world.sandbox.store.authinfo_matches(our_domain.name, code)
    assert code in mail.outbox[-1].body  # also mailed to the registrant
    assert issued.expires_at.strftime("%Y") in page
    # The session does not keep it, and a reload does not show it again.
    assert not any("authinfo" in key for key, _value in client.session.items())
    again = _page(client.get(response["Location"]))
    assert code not in again
    assert "Kod nie jest już wyświetlany" in again


def test_lock_toggle(client_for, customer_a, our_domain, transfer_world) -> None:
    client = client_for(customer_a)
    home = _page(client.get("/"))
    assert reverse("domains:lock", args=[our_domain.pk]) in home
    assert reverse("domains:authinfo", args=[our_domain.pk]) in home
    response = client.post(reverse("domains:lock", args=[our_domain.pk]), {"locked": "1"}, follow=True)
    our_domain.refresh_from_db()
    assert "clientTransferProhibited" in our_domain.statuses
    assert "clientTransferProhibited" in transfer_world.sandbox.store.domain(our_domain.name).statuses
    page = _page(response)
    assert "są zablokowane" in page and "Odblokuj transfery" in page
    client.post(reverse("domains:lock", args=[our_domain.pk]), {"locked": "0"})
    our_domain.refresh_from_db()
    assert "clientTransferProhibited" not in our_domain.statuses
    assert "clientTransferProhibited" not in transfer_world.sandbox.store.domain(our_domain.name).statuses
    # Neither a GET nor a POST without a choice changes anything.
    assert client.get(reverse("domains:lock", args=[our_domain.pk])).status_code == 405
    client.post(reverse("domains:lock", args=[our_domain.pk]), {"locked": "maybe"})
    our_domain.refresh_from_db()
    assert "clientTransferProhibited" not in our_domain.statuses
