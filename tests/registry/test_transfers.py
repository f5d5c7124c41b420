"""All five transfer operations, between two registrars' sessions, and the registry's own
approval when the losing registrar lets the window close."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from registry.epp import (
    AuthorizationError,
    CommandUseError,
    InvalidAuthInfo,
    NotEligibleForTransfer,
    ObjectDoesNotExist,
    ObjectNotPendingTransfer,
    ObjectPendingTransfer,
    StatusProhibitsOperation,
)
from registry.epp.data import TransferData


def drain(client, name: str | None = None) -> list:
    """Every poll message waiting for ``client``, acknowledged, oldest first; with ``name``,
    only those about that domain are returned."""
    messages = []
    while (response := client.poll_request()).code == 1301:
        messages.append(response)
        client.poll_ack(response.msgq.id)
    return [m for m in messages if name is None or m.data.name == name]


def test_request_then_approve(epp_client, sandbox, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost")
    us, them = epp_client("regflow"), epp_client("nordhost")

    requested = us.transfer_request(domain.name, domain.authinfo)
    assert requested.code == 1001
    data: TransferData = requested.data
    assert (data.status, data.requested_by, data.action_by) == ("pending", "regflow", "nordhost")
    assert data.action_at - data.requested_at == timedelta(days=5)
    assert "pendingTransfer" in them.domain_info(domain.name).data.statuses

    [notice] = drain(them, domain.name)
    assert notice.msgq.message == "Transfer requested."
    assert notice.data.status == "pending" and notice.data.requested_by == "regflow"

    approved = them.transfer_approve(domain.name).data
    assert approved.status == "clientApproved"

    info = us.domain_info(domain.name).data
    assert info.sponsor == "regflow" and "pendingTransfer" not in info.statuses
    assert info.transferred_at is not None
    # the old code is spent: the registry replaced it when the domain moved
    assert not sandbox.store.authinfo_matches(domain.name, domain.authinfo)
    assert [m.data.status for m in drain(them, domain.name)] == ["clientApproved"]
    assert [m.data.status for m in drain(us, domain.name)] == ["clientApproved"]


def test_request_then_reject(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost")
    us, them = epp_client("regflow"), epp_client("nordhost")
    us.transfer_request(domain.name, domain.authinfo)

    assert them.transfer_reject(domain.name).data.status == "clientRejected"

    info = them.domain_info(domain.name).data
    assert info.sponsor == "nordhost" and info.statuses == ("ok",)
    assert [m.data.status for m in drain(them, domain.name)] == ["pending", "clientRejected"]
    assert [m.data.status for m in drain(us, domain.name)] == ["clientRejected"]
    assert us.transfer_query(domain.name).data.status == "clientRejected"


def test_request_then_cancel(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost")
    us, them = epp_client("regflow"), epp_client("nordhost")
    us.transfer_request(domain.name, domain.authinfo)

    with pytest.raises(AuthorizationError):
        them.transfer_cancel(domain.name)  # only the gaining registrar cancels
    with pytest.raises(AuthorizationError):
        us.transfer_approve(domain.name)  # only the losing registrar approves
    with pytest.raises(AuthorizationError):
        us.transfer_reject(domain.name)

    assert us.transfer_cancel(domain.name).data.status == "clientCancelled"
    assert them.domain_info(domain.name).data.sponsor == "nordhost"
    assert [m.data.status for m in drain(them, domain.name)] == ["pending", "clientCancelled"]
    assert [m.data.status for m in drain(us, domain.name)] == ["clientCancelled"]
    with pytest.raises(ObjectNotPendingTransfer):
        us.transfer_cancel(domain.name)


def test_query_by_either_side_or_with_the_authinfo(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost")
    us, them, third = epp_client(), epp_client("nordhost"), epp_client("webpartner")
    with pytest.raises(CommandUseError):
        us.transfer_query(domain.name, domain.authinfo)  # no transfer history: 2002, as Nomulus answers
    us.transfer_request(domain.name, domain.authinfo)

    assert us.transfer_query(domain.name).data.status == "pending"
    assert them.transfer_query(domain.name).data.requested_by == "regflow"
    with pytest.raises(AuthorizationError):
        third.transfer_query(domain.name)
    with pytest.raises(InvalidAuthInfo):
        third.transfer_query(domain.name, "Not-The-Code-1")
    assert third.transfer_query(domain.name, domain.authinfo).data.status == "pending"


def test_no_transfer_history_is_a_2002_or_as_staged_a_2301(epp_client, sandbox, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost")
    us = epp_client()
    with pytest.raises(CommandUseError) as caught:
        us.transfer_query(domain.name, domain.authinfo)
    assert caught.value.code == 2002
    sandbox.store.answer_no_transfer_history(2301)
    try:
        with pytest.raises(ObjectNotPendingTransfer):
            us.transfer_query(domain.name, domain.authinfo)
    finally:
        sandbox.store.answer_no_transfer_history(None)
    # A finished transfer is still shown, and acting on it is a 2301.
    us.transfer_request(domain.name, domain.authinfo)
    us.transfer_cancel(domain.name)
    assert us.transfer_query(domain.name).data.status == "clientCancelled"
    with pytest.raises(ObjectNotPendingTransfer):
        us.transfer_cancel(domain.name)


def test_approve_and_reject_need_a_pending_transfer(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost")
    with pytest.raises(ObjectNotPendingTransfer) as caught:
        epp_client("nordhost").transfer_approve(domain.name)
    assert caught.value.code == 2301
    with pytest.raises(ObjectNotPendingTransfer):
        epp_client("nordhost").transfer_reject(domain.name)


def test_a_second_request_while_one_is_pending(epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost")
    epp_client().transfer_request(domain.name, domain.authinfo)
    with pytest.raises(ObjectPendingTransfer) as caught:
        epp_client("webpartner").transfer_request(domain.name, domain.authinfo)
    assert caught.value.code == 2300


@pytest.mark.parametrize(
    ("setup", "error", "code", "reason"),
    [
        (
            {"statuses": ("clientTransferProhibited",)},
            StatusProhibitsOperation,
            2304,
            "clientTransferProhibited",
        ),
        (
            {"statuses": ("serverTransferProhibited",)},
            StatusProhibitsOperation,
            2304,
            "serverTransferProhibited",
        ),
        ({"statuses": ("pendingDelete",)}, StatusProhibitsOperation, 2304, "pendingDelete"),
        ({"expires_in_days": -1}, StatusProhibitsOperation, 2304, "expired"),
        (
            {"tld": "com", "created_days_ago": 30},
            StatusProhibitsOperation,
            2304,
            "60-day lock period after registration",
        ),
        (
            {"tld": "com", "transferred_days_ago": 2},
            StatusProhibitsOperation,
            2304,
            "60-day lock period after transfer",
        ),
        ({"sponsor": "regflow"}, NotEligibleForTransfer, 2106, "already yours"),
    ],
)
def test_refused_requests(epp_client, sandbox_domain, setup, error, code, reason):
    domain = sandbox_domain(**setup)
    with pytest.raises(error) as caught:
        epp_client().transfer_request(domain.name, domain.authinfo)
    assert caught.value.code == code
    assert any(reason in r for r in caught.value.reasons)


def test_a_wrong_authinfo_is_refused(epp_client, sandbox, sandbox_domain):
    domain = sandbox_domain()
    with pytest.raises(InvalidAuthInfo) as caught:
        epp_client().transfer_request(domain.name, "Not-The-Code-1")
    assert caught.value.code == 2202
    assert sandbox.store.transfers(domain.name) == []


def test_an_unknown_domain_cannot_be_transferred(epp_client):
    with pytest.raises(ObjectDoesNotExist):
        epp_client().transfer_request("nie-ma-takiej-7q.com", "Some-Code-123")


def test_the_registry_approves_when_the_window_closes(
    epp_client, sandbox_clock, sandbox_domain, sandbox_registrar
):
    gaining, losing = sandbox_registrar(), sandbox_registrar()
    domain = sandbox_domain(sponsor=losing.client_id, tld="com")
    buyer = epp_client(gaining.client_id, gaining.password)
    requested = buyer.transfer_request(domain.name, domain.authinfo).data
    old_expiry = epp_client(losing.client_id, losing.password).domain_info(domain.name).data.expires_at

    sandbox_clock.advance_clock(timedelta(days=4, hours=23))
    assert buyer.transfer_query(domain.name).data.status == "pending"
    sandbox_clock.advance_clock(timedelta(hours=2))
    done = buyer.transfer_query(domain.name).data

    assert done.status == "serverApproved"
    assert done.action_at == requested.action_at  # approved as of the end of the window
    info = buyer.domain_info(domain.name).data
    assert info.sponsor == gaining.client_id
    assert info.expires_at == old_expiry.replace(year=old_expiry.year + 1)  # a gTLD transfer adds a year
    seller = epp_client(losing.client_id, losing.password)
    assert [m.data.status for m in drain(seller)] == ["pending", "serverApproved"]
    [message] = drain(buyer)
    assert message.data.status == "serverApproved" and message.msgq.queued_at == requested.action_at


def test_the_periodic_tick_approves_without_any_command(sandbox, sandbox_clock, epp_client, sandbox_domain):
    domain = sandbox_domain()
    epp_client().transfer_request(domain.name, domain.authinfo)
    sandbox_clock.advance_clock(timedelta(days=5, minutes=1))
    deadline = time.monotonic() + 5
    while sandbox.store.transfers(domain.name)[-1].status == "pending":
        assert time.monotonic() < deadline, "the tick did not approve the transfer"
        time.sleep(0.05)
    assert sandbox.store.transfers(domain.name)[-1].status == "serverApproved"
    assert sandbox.store.domain(domain.name).sponsor == "regflow"


def test_a_requested_period_renews_a_gtld_by_that_many_years(epp_client, sandbox_domain):
    domain = sandbox_domain(tld="com")
    us, them = epp_client(), epp_client("nordhost")
    before = them.domain_info(domain.name).data.expires_at
    pending = us.transfer_request(domain.name, domain.authinfo, period_years=2).data
    assert pending.expires_at == before.replace(year=before.year + 2)
    them.transfer_approve(domain.name)
    assert us.domain_info(domain.name).data.expires_at == before.replace(year=before.year + 2)


def test_an_eu_transfer_keeps_the_expiry(epp_client, sandbox_domain):
    domain = sandbox_domain(tld="eu")
    us, them = epp_client(), epp_client("nordhost")
    before = them.domain_info(domain.name).data.expires_at
    us.transfer_request(domain.name, domain.authinfo)
    them.transfer_approve(domain.name)
    assert us.domain_info(domain.name).data.expires_at == before
