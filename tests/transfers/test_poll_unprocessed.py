"""A registry message that cannot be read or applied does not hold up the queue: it is kept as
it came (secrets redacted) with its error, written to the history, acknowledged, and the
messages behind it are processed. The sandbox damages the answer for real."""

from __future__ import annotations

import re

import pytest

from registry.gateway import RegistryGateway
from transfers.models import Direction, PollMessage, Transfer, UnprocessedPollMessage
from transfers.poll import acknowledge, process_poll_messages, receive_and_apply
from workflows.models import EventType, HistoryEvent

SECRET = "Leaked-Code-91x"
Stage = UnprocessedPollMessage.Stage


def unreadable(answer: bytes) -> bytes:
    """A transfer status no RFC defines, and an authInfo where none belongs."""
    return answer.replace(b"<domain:trStatus>pending<", b"<domain:trStatus>halfway<").replace(
        b"</domain:trnData>",
        f"<domain:authInfo><domain:pw>{SECRET}</domain:pw></domain:authInfo></domain:trnData>".encode(),
    )


def out_of_range(answer: bytes) -> bytes:
    """A well-formed, schema-valid date that no local time can show: applying it fails."""
    far = b"<domain:acDate>9999-12-31T23:59:59.000Z</domain:acDate>"
    return re.sub(rb"<domain:acDate>[^<]*</domain:acDate>", far, answer)


def two_requests_for_our_domains(world, sandbox_domain, epp_client) -> tuple:
    """Another registrar asks for two domains of ours: two messages in our queue, in order."""
    first, second = sandbox_domain(sponsor=world.client_id), sandbox_domain(sponsor=world.client_id)
    them = epp_client("nordhost")
    them.transfer_request(first.name, first.authinfo)
    them.transfer_request(second.name, second.authinfo)
    return first, second


@pytest.mark.parametrize("validate", [True, False], ids=["schemas checked", "parser alone"])
def test_a_message_that_cannot_be_read_is_kept_and_the_queue_moves_on(
    validate, transfer_world, settings, sandbox_domain, epp_client, caplog
):
    settings.REGISTRY = {**settings.REGISTRY, "VALIDATE_RESPONSES": validate}
    first, second = two_requests_for_our_domains(transfer_world, sandbox_domain, epp_client)
    transfer_world.sandbox.damage_next_answer(transfer_world.client_id, "poll:req", unreadable)

    assert process_poll_messages() == 2
    assert transfer_world.sandbox.store.pending_messages(transfer_world.client_id) == 0

    kept = UnprocessedPollMessage.objects.get()
    assert kept.stage == Stage.READ and kept.acked_at is not None and kept.handled_at is None
    assert kept.text == "Transfer requested." and kept.queued_at is not None
    assert first.name in kept.frame and "halfway" in kept.frame
    assert "[redacted]" in kept.frame and SECRET not in kept.frame + kept.error + caplog.text
    applied = PollMessage.objects.get()
    assert applied.trn_data["name"] == second.name and applied.applied_at and applied.acked_at
    assert int(applied.msg_id) > int(kept.msg_id)
    # The message behind it was applied; the unreadable one changed nothing.
    assert Transfer.objects.filter(domain_name=second.name, direction=Direction.OUTGOING).exists()
    assert not Transfer.objects.filter(domain_name=first.name).exists()
    event = HistoryEvent.objects.get(event_type=EventType.REGISTRY_POLL_UNPROCESSED)
    assert event.subject_id == str(kept.pk) and event.data["msg_id"] == kept.msg_id
    assert event.data["stage"] == Stage.READ and event.channel == "system"

    assert process_poll_messages() == 0  # nothing is read again


def test_a_message_that_cannot_be_applied_is_kept_and_the_queue_moves_on(
    transfer_world, sandbox_domain, epp_client
):
    first, second = two_requests_for_our_domains(transfer_world, sandbox_domain, epp_client)
    transfer_world.sandbox.damage_next_answer(transfer_world.client_id, "poll:req", out_of_range)

    assert process_poll_messages() == 2
    assert transfer_world.sandbox.store.pending_messages(transfer_world.client_id) == 0

    kept = UnprocessedPollMessage.objects.get()
    assert kept.stage == Stage.APPLY and kept.error.startswith("OverflowError")
    assert "9999-12-31" in kept.frame and kept.acked_at is not None
    # Applying it was rolled back whole: no transfer, no row of a good message.
    assert not Transfer.objects.filter(domain_name=first.name).exists()
    assert list(PollMessage.objects.values_list("trn_data__name", flat=True)) == [second.name]
    assert Transfer.objects.filter(domain_name=second.name, direction=Direction.OUTGOING).exists()


def test_a_kept_message_delivered_again_is_only_acknowledged(transfer_world, sandbox_domain, epp_client):
    domain = sandbox_domain(sponsor=transfer_world.client_id)
    epp_client("nordhost").transfer_request(domain.name, domain.authinfo)
    transfer_world.sandbox.damage_next_answer(transfer_world.client_id, "poll:req", unreadable)
    with RegistryGateway.from_settings() as gateway:
        kept = receive_and_apply(gateway)
        # The acknowledgement never went out (a crash): the registry delivers it again, and
        # this time it reads well; it is still the domains team's, not applied behind its back.
        again = receive_and_apply(gateway)
        assert isinstance(again, UnprocessedPollMessage) and again.pk == kept.pk
        acknowledge(gateway, again)
        assert receive_and_apply(gateway) is None
    kept.refresh_from_db()
    assert kept.deliveries == 2 and kept.acked_at is not None
    assert not PollMessage.objects.exists() and not Transfer.objects.exists()
    assert HistoryEvent.objects.filter(event_type=EventType.REGISTRY_POLL_UNPROCESSED).count() == 1


def test_an_applied_message_unreadable_when_delivered_again_is_only_acknowledged(
    transfer_world, sandbox_domain, epp_client
):
    domain = sandbox_domain(sponsor=transfer_world.client_id)
    epp_client("nordhost").transfer_request(domain.name, domain.authinfo)
    with RegistryGateway.from_settings() as gateway:
        applied = receive_and_apply(gateway)
        assert isinstance(applied, PollMessage) and applied.applied_at is not None
        transfer_world.sandbox.damage_next_answer(transfer_world.client_id, "poll:req", unreadable)
        again = receive_and_apply(gateway)
        assert isinstance(again, PollMessage) and again.pk == applied.pk
        acknowledge(gateway, again)
        assert receive_and_apply(gateway) is None
    assert PollMessage.objects.get().deliveries == 2
    assert not UnprocessedPollMessage.objects.exists()
    assert Transfer.objects.filter(domain_name=domain.name).count() == 1
