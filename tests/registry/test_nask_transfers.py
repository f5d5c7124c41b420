"""Transfers at the sandbox's NASK, as NASK runs them (docs/registries/nask-epp.md): the
gaining registrar asks with the code, NASK e-mails the registrant a link, the transfer completes
when the link is used, expires unconfirmed after 30 days, and is never the losing registrar's
to approve or reject. Outcomes reach both registrars as NASK's poll messages."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from lxml import etree

from registry.epp import ObjectNotPendingTransfer, StatusProhibitsOperation
from registry.epp.data import AuthInfoNotice, ExpiryNotice, TransferData
from registry.epp.frames import NASK_FRAMES
from registry.epp.namespaces import NASK, q
from registry.epp.results import ClientConfigurationError, EppError, InvalidAuthInfo
from registry.sandbox.common import Refusal


@pytest.fixture
def nask_domain(sandbox_domain):
    def make(**options):
        return sandbox_domain(tld="pl", **{"sponsor": "nordhost", **options})

    return make


def mails_to(store, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(store.mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def confirmation_link(message) -> tuple[int, str]:
    link = re.search(r"https://\S+/registry/confirm\?\S+", message.get_content()).group(0)
    values = dict(parse_qsl(urlsplit(link).query))
    return int(values["transfer"]), values["token"]


def drain(client, name: str | None = None) -> list:
    """Every message in the client's queue, acknowledged, as (text, resData); with ``name``,
    those about that domain only."""
    taken = []
    while (answer := client.poll_request()).code == 1301:
        if name is None or getattr(answer.data, "name", None) == name:
            taken.append((answer.msgq.message, answer.data))
        client.poll_ack(answer.msgq.id)
    return taken


def test_a_request_waits_for_the_registrant_and_completes_by_the_link(
    sandbox_https, epp_https_client, nask_domain, sandbox_registrar
):
    gaining = sandbox_registrar()
    domain = nask_domain()  # nordhost's, for its registrant N-OGRODNIK
    store = sandbox_https.store
    us, them = epp_https_client(gaining.client_id, gaining.password), epp_https_client("nordhost")
    before = them.domain_info(domain.name).data.expires_at
    answer = us.transfer_request(domain.name, domain.authinfo)
    assert answer.code == 1001 and answer.data.status == "pending"
    # NASK's window: about 30 days (the acDate of its "transfer requested" message)
    assert timedelta(days=29) < answer.data.action_at - answer.data.requested_at <= timedelta(days=30)
    [mail] = mails_to(store, "jan.kowalski@example.pl")[-1:]
    assert domain.name in mail["Subject"]
    [(text, data)] = drain(them, domain.name)  # the losing registrar learns of it, and can do nothing
    assert text == "domain transfer requested" and data.status == "pending"
    assert data.requested_by == gaining.client_id and data.action_by == "nordhost"
    with pytest.raises(ClientConfigurationError, match="neither approves nor rejects"):
        them.transfer_approve(domain.name)
    transfer_id, token = confirmation_link(mail)
    assert sandbox_https.registry.confirm_transfer(transfer_id, token) == domain.name
    assert us.domain_info(domain.name).data.sponsor == gaining.client_id
    assert us.domain_info(domain.name).data.expires_at == before  # .pl: no year added
    for client in (us, them):
        [(text, data)] = drain(client, domain.name)
        assert (text, data.status) == ("domain transferred", "clientApproved")
    with pytest.raises(Refusal):  # a link works once
        sandbox_https.registry.confirm_transfer(transfer_id, token)


def test_the_confirmation_can_be_asked_for_again_and_only_the_newest_link_works(
    sandbox_https, epp_https_client, nask_domain
):
    domain = nask_domain()
    us = epp_https_client()
    us.transfer_request(domain.name, domain.authinfo)
    first = mails_to(sandbox_https.store, "jan.kowalski@example.pl")[-1]
    answer = us.transfer_resend_confirmation(domain.name, domain.authinfo)
    assert answer.code == 1000 and answer.data.status == "pending"
    second = mails_to(sandbox_https.store, "jan.kowalski@example.pl")[-1]
    assert confirmation_link(second) != confirmation_link(first)
    with pytest.raises(Refusal):
        sandbox_https.registry.confirm_transfer(*confirmation_link(first))
    sandbox_https.registry.confirm_transfer(*confirmation_link(second))
    assert us.transfer_query(domain.name, domain.authinfo).data.status == "clientApproved"
    with pytest.raises(ObjectNotPendingTransfer):  # nothing pending: nothing to send again
        us.transfer_resend_confirmation(domain.name, domain.authinfo)


def test_unconfirmed_it_expires_after_thirty_days(sandbox_clock, epp_https_client, nask_domain):
    domain = nask_domain()
    us, them = epp_https_client(), epp_https_client("nordhost")
    us.transfer_request(domain.name, domain.authinfo)
    sandbox_clock.advance_clock(timedelta(days=29, hours=23))
    assert us.transfer_query(domain.name, domain.authinfo).data.status == "pending"
    sandbox_clock.advance_clock(timedelta(hours=2))
    assert us.transfer_query(domain.name, domain.authinfo).data.status == "serverCancelled"
    assert them.domain_info(domain.name).data.sponsor == "nordhost"
    expired = [(text, data.status) for text, data in drain(us, domain.name)]
    assert expired == [("domain transfer expired", "serverCancelled")]


def test_the_gaining_registrar_cancels_with_the_code(sandbox_https, epp_https_client, nask_domain):
    domain = nask_domain()
    us = epp_https_client()
    us.transfer_request(domain.name, domain.authinfo)
    assert us.transfer_cancel(domain.name, domain.authinfo).data.status == "clientCancelled"
    assert "pendingTransfer" not in us.domain_info(domain.name, domain.authinfo).data.statuses


def test_approve_and_reject_are_no_commands_at_nask(sandbox_https, epp_https_client, nask_domain):
    """Sent anyway (a client that does not know NASK), the registry answers 2101."""
    domain = nask_domain(sponsor="regflow")
    them = epp_https_client("nordhost")
    them.transfer_request(domain.name, domain.authinfo)
    us = epp_https_client()
    frame = NASK_FRAMES.domain_transfer("query", domain.name, authinfo=domain.authinfo, cl_trid="approve-1")
    root = etree.fromstring(frame)
    root.find(f".//{q(NASK.epp, 'transfer')}").set("op", "approve")
    us.transport.send_frame(etree.tostring(root))
    from registry.epp.responses import parse_response

    assert parse_response(us.transport.recv_frame()).code == 2101


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"created_days_ago": 3}, "5-day lock period after registration"),
        ({"transferred_days_ago": 2}, "5-day lock period after transfer"),
        ({"statuses": ("clientTransferProhibited",)}, "clientTransferProhibited"),
    ],
)
def test_refused_requests(epp_https_client, nask_domain, setup, reason):
    domain = nask_domain(**setup)
    with pytest.raises(StatusProhibitsOperation) as caught:
        epp_https_client().transfer_request(domain.name, domain.authinfo)
    assert any(reason in r for r in caught.value.reasons)


@pytest.mark.parametrize(
    ("name", "code", "reason"),
    [
        ("zablokowana.pl", "Blok-Demo-1Zx9-Ty2u", "clientTransferProhibited"),
        ("usuwana.pl", "Usuw-Demo-9Lk8-Fg6h", "pendingDelete"),
        ("swieza-domena.pl", "Swieza-Demo-7Vb4-Io3p", "lock period after registration"),
    ],
)
def test_the_demo_domains_that_must_be_refused_are(epp_https_client, name, code, reason):
    with pytest.raises(StatusProhibitsOperation) as caught:
        epp_https_client().transfer_request(name, code)
    assert any(reason in r for r in caught.value.reasons)


def test_a_wrong_code_is_refused(epp_https_client, nask_domain):
    domain = nask_domain()
    with pytest.raises(InvalidAuthInfo):
        epp_https_client().transfer_request(domain.name, "Not-The-Code-123")


def test_a_new_code_has_twenty_characters_at_least(epp_https_client, nask_domain):
    domain = nask_domain(sponsor="regflow")
    us = epp_https_client()
    with pytest.raises(EppError) as caught:
        us.domain_update(domain.name, authinfo="Short-Code-12345")
    assert caught.value.code == 2306
    assert us.domain_update(domain.name, authinfo="A-Code-Of-Twenty-Four-Ch").code == 1000


def test_nask_notices_arrive_in_its_dialect(sandbox_https, epp_https_client, sandbox_registrar):
    registrar = sandbox_registrar()
    store = sandbox_https.store
    store.queue_notice(
        registrar.client_id,
        "domain authInfo",
        {"kind": "pollAuthInfo", "name": "przekazana.pl", "authinfo": "Code-From-NASK-1"},
    )
    store.queue_notice(
        registrar.client_id,
        "soon domain expiration",
        {"kind": "expData", "names": ["a.pl", "b.pl"], "expires_at": "2027-01-31T23:00:00.000Z"},
    )
    client = epp_https_client(registrar.client_id, registrar.password)
    (text1, authinfo), (text2, expiry) = drain(client)
    assert text1 == "domain authInfo" and isinstance(authinfo, AuthInfoNotice)
    assert authinfo.name == "przekazana.pl" and authinfo.authinfo == "Code-From-NASK-1"
    assert isinstance(expiry, ExpiryNotice) and expiry.names == ("a.pl", "b.pl")
    assert not isinstance(expiry, TransferData)
