"""The poll queue: messages come oldest first, stay until acknowledged, are acknowledged once."""

from __future__ import annotations

import pytest

from registry.epp import ObjectDoesNotExist


def test_messages_in_order_and_each_acknowledged_once(epp_client, sandbox_domain, sandbox_registrar):
    gaining, losing = sandbox_registrar(), sandbox_registrar()
    first, second = sandbox_domain(sponsor=losing.client_id), sandbox_domain(sponsor=losing.client_id)
    buyer = epp_client(gaining.client_id, gaining.password)
    buyer.transfer_request(first.name, first.authinfo)
    buyer.transfer_request(second.name, second.authinfo)
    seller = epp_client(losing.client_id, losing.password)

    head = seller.poll_request()
    assert head.code == 1301
    assert head.msgq.count == 2 and head.data.name == first.name
    assert head.msgq.queued_at is not None and head.msgq.message == "Transfer requested."
    assert seller.poll_request().msgq.id == head.msgq.id  # not consumed by reading

    acked = seller.poll_ack(head.msgq.id)
    assert acked.code == 1000 and acked.msgq.count == 1 and acked.msgq.id == head.msgq.id
    with pytest.raises(ObjectDoesNotExist):
        seller.poll_ack(head.msgq.id)

    nxt = seller.poll_request()
    assert nxt.data.name == second.name and nxt.msgq.count == 1
    assert int(nxt.msgq.id) > int(head.msgq.id)
    assert seller.poll_ack(nxt.msgq.id).msgq.count == 0

    empty = seller.poll_request()
    assert empty.code == 1300 and empty.msgq is None


def test_nobody_acknowledges_another_registrars_message(epp_client, sandbox_domain, sandbox_registrar):
    losing = sandbox_registrar()
    domain = sandbox_domain(sponsor=losing.client_id)
    epp_client().transfer_request(domain.name, domain.authinfo)
    seller = epp_client(losing.client_id, losing.password)
    msg_id = seller.poll_request().msgq.id
    with pytest.raises(ObjectDoesNotExist):
        epp_client("webpartner").poll_ack(msg_id)
    assert seller.poll_request().msgq.id == msg_id


def test_an_empty_queue(epp_client, sandbox_registrar):
    registrar = sandbox_registrar()
    response = epp_client(registrar.client_id, registrar.password).poll_request()
    assert response.code == 1300 and response.message == "Command completed successfully; no messages"
