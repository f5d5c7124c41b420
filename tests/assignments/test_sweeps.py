"""The cesja expiry sweep in batches (``workflows.batches``): a cesja whose step fails is left
for the next round and the others expire; each expires once, with its event and its mail."""

from __future__ import annotations

import logging
from datetime import timedelta

from assignments.models import Cesja, Reason, Side, State
from assignments.services import expire_overdue_cesje, start_cesja
from tests.fixtures.faults import broken_row
from workflows.history import iter_chain_problems
from workflows.models import Channel, EventType, OutboxMessage

from .helpers import events


def overdue_cesje(world, customer, registrant, count: int) -> list[Cesja]:
    """Cesje still waiting for the other party, whose documents deadline passed (the cases'
    own deadline; the flows' timers are not due, so the sweep is what expires them)."""
    cesje = [
        start_cesja(
            initiator=customer,
            side=Side.CEDENT,
            domains=[world.domain(registrant)],
            cedent_registrant=registrant,
            other_party_email=f"nabywca{i}@example.pl",
            reason=Reason.DOMAIN_SALE,
            actor=customer,
            channel=Channel.WEB,
        )
        for i in range(count)
    ]
    for cesja in cesje:
        passed = cesja.documents_deadline - timedelta(days=31)
        Cesja.objects.filter(pk=cesja.pk).update(documents_deadline=passed)
    return cesje


def expired(cesja: Cesja):
    return events(cesja, EventType.CESJA_STATE_CHANGED).filter(changes__state__1="expired")


def expiry_mails(cesja: Cesja):
    mails = OutboxMessage.objects.filter(kind="assignments.mail", case_id=str(cesja.pk))
    return mails.filter(payload__kind="expired")


def test_one_broken_cesja_is_left_for_the_next_round_and_the_rest_expire(
    cesja_world, customer_a, registrant_a, caplog
):
    cesje = overdue_cesje(cesja_world, customer_a, registrant_a, 4)
    broken = cesje[1]

    with broken_row(Cesja, broken.pk), caplog.at_level(logging.ERROR, logger="workflows.batches"):
        assert expire_overdue_cesje() == 3

    assert any(f"cesja expiry {broken.pk} failed" in r.getMessage() for r in caplog.records)
    for cesja in cesje:
        cesja.refresh_from_db()
        if cesja.pk == broken.pk:
            assert cesja.state == State.AWAITING_PARTY
            assert not expired(cesja).exists() and not expiry_mails(cesja).exists()
        else:
            assert cesja.state == State.EXPIRED
            assert expired(cesja).count() == 1 and expiry_mails(cesja).count() == 1

    # mended, the next round expires it, and nothing twice
    assert expire_overdue_cesje() == 1
    assert expire_overdue_cesje() == 0
    for cesja in cesje:
        cesja.refresh_from_db()
        assert cesja.state == State.EXPIRED
        assert expired(cesja).count() == 1 and expiry_mails(cesja).count() == 1
    assert list(iter_chain_problems()) == []
