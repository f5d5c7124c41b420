"""Confirmation deadlines fired in batches (``workflows.timers``): two processors at once fire
each timer exactly once, the flow ends where viewflow's own dispatcher puts it, and one broken
case does not stop the round.

Run on whatever database the suite runs on: on PostgreSQL the two processors claim disjoint
batches with SKIP LOCKED; SQLite serialises writers, and the same assertions hold.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_timers as viewflow_fire_due_timers

from benchmarks.management.commands.bench_transitions import _open_transfer
from registry.models import Tld
from tests.fixtures.faults import broken_row
from transfers.models import State, Transfer
from workflows.history import iter_chain_problems
from workflows.models import HistoryEvent, OutboxMessage
from workflows.timers import fire_due_timers

TIMERS = 60


def open_transfers(account, count: int, prefix: str) -> list[Transfer]:
    """Incoming transfers waiting for the registrant's confirmation, opened by the product's
    own step (the request, its link, the event, the mail, the flow with its deadline)."""
    Tld.objects.get_or_create(name="com", defaults={"registry_name": "Verisign"})
    return [_open_transfer(f"{prefix}-{i}.com", account) for i in range(count)]


def deadlines_pass(transfers: list[Transfer]) -> None:
    """The confirmation deadlines of ``transfers`` are over."""
    processes = Process.objects.filter(artifact_object_id__in=[t.pk for t in transfers])
    Task.objects.filter(process__in=processes, flow_task_type="TIMER", status=STATUS.SCHEDULED).update(
        scheduled=timezone.now() - timedelta(minutes=1)
    )


def expiries(transfer: Transfer):
    lapsed = ["awaiting_confirmation", "expired"]
    return HistoryEvent.objects.for_object(transfer).filter(changes__state=lapsed)


def expiry_mails(transfer: Transfer):
    return OutboxMessage.objects.filter(
        kind="transfers.mail", case_id=str(transfer.pk), payload__kind="expired"
    )


def flow_rows(transfer: Transfer) -> tuple:
    """The transfer's viewflow rows as viewflow's pages read them: each task's node, type,
    status, token and predecessors, and whether the process finished."""
    process = Process.objects.get(artifact_object_id=transfer.pk)
    tasks = []
    for task in Task.objects.filter(process=process).order_by("pk"):
        tasks.append(
            (
                task.flow_task.name,
                task.flow_task_type,
                task.status,
                str(task.token),
                task.started is not None,
                task.finished is not None,
                sorted(p.flow_task.name for p in task.previous.all()),
            )
        )
    return process.status, process.finished is not None, tasks


@pytest.mark.django_db(transaction=True)
def test_two_processors_racing_fire_each_timer_exactly_once(customer_a):
    transfers = open_transfers(customer_a, TIMERS, "race")
    deadlines_pass(transfers)
    barrier = threading.Barrier(2)
    fired: list[int] = []
    errors: list[str] = []

    def processor() -> None:
        try:
            barrier.wait()
            # small batches, so that the two take turns many times over the 60 timers
            fired.append(fire_due_timers(batch=7))
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=processor) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert errors == []
    assert sum(fired) == TIMERS
    for transfer in transfers:
        transfer.refresh_from_db()
        assert transfer.state == State.EXPIRED
        assert expiries(transfer).count() == 1
        assert expiry_mails(transfer).count() == 1
        assert Process.objects.get(artifact_object_id=transfer.pk).status == STATUS.DONE
    per_process = (
        Task.objects.filter(flow_task_type__in=["TIMER", "END"])
        .values("process_id", "flow_task_type")
        .annotate(n=Count("id"))
    )
    assert {row["n"] for row in per_process} == {1}
    assert Task.objects.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED).count() == 0
    assert list(iter_chain_problems()) == []
    # a later round finds nothing left to fire
    assert fire_due_timers() == 0


@pytest.mark.django_db
def test_a_deadline_ends_the_flow_where_viewflows_own_dispatcher_ends_it(customer_a):
    by_viewflow, by_batch = open_transfers(customer_a, 2, "same")
    deadlines_pass([by_viewflow])
    assert viewflow_fire_due_timers() == 1
    deadlines_pass([by_batch])
    assert fire_due_timers() == 1

    for transfer in (by_viewflow, by_batch):
        transfer.refresh_from_db()
        assert transfer.state == State.EXPIRED
        assert expiries(transfer).count() == 1
        assert expiry_mails(transfer).count() == 1
    status, finished, tasks = flow_rows(by_batch)
    assert (status, finished) == (STATUS.DONE, True)
    assert flow_rows(by_batch) == flow_rows(by_viewflow)
    assert [t[0] for t in tasks][-3:] == ["await_confirmation__timeout", "lapse", "end"]
    assert list(iter_chain_problems()) == []


@pytest.mark.django_db
def test_one_broken_case_is_left_for_the_next_round_and_the_rest_fire(customer_a, caplog):
    transfers = open_transfers(customer_a, 5, "broken")
    deadlines_pass(transfers)
    broken = transfers[2]

    with broken_row(Transfer, broken.pk), caplog.at_level(logging.ERROR, logger="workflows.batches"):
        assert fire_due_timers(batch=3) == 4

    assert any("failed; left for the next round" in r.getMessage() for r in caplog.records)
    for transfer in transfers:
        transfer.refresh_from_db()
        if transfer is broken:
            assert transfer.state == State.AWAITING_CONFIRMATION
            assert expiries(transfer).count() == 0 and expiry_mails(transfer).count() == 0
            timer = Task.objects.get(process__artifact_object_id=transfer.pk, flow_task_type="TIMER")
            assert timer.status == STATUS.SCHEDULED
            ends = Task.objects.filter(process__artifact_object_id=transfer.pk, flow_task_type="END")
            assert ends.count() == 0
        else:
            assert transfer.state == State.EXPIRED
            assert expiries(transfer).count() == 1 and expiry_mails(transfer).count() == 1
    assert list(iter_chain_problems()) == []

    # mended, the next round fires it
    assert fire_due_timers() == 1
    broken.refresh_from_db()
    assert broken.state == State.EXPIRED
    assert expiries(broken).count() == 1 and expiry_mails(broken).count() == 1
    assert flow_rows(broken) == flow_rows(transfers[0])


def test_only_a_deadline_that_ends_its_flow_lapses_in_bulk():
    from assignments.flows import CesjaFlow
    from transfers.flows import IncomingTransferFlow
    from workflows.timers import _resolve

    confirmation = IncomingTransferFlow.instance.node("await_confirmation__timeout")
    assert _resolve(confirmation, print, None).end.name == "end"
    # a cesja's deadline may find the cesja alive (a correction moved it): its flow goes on
    documents = CesjaFlow.instance.node("await_documents__timeout")
    with pytest.raises(ValueError, match="not followed by End"):
        _resolve(documents, print, None)
