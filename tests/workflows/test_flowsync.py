"""The flow catch-up on the paths the transfer and cesja suites cannot reach on demand: a busy
flow lock, a task another worker completed first, and a sweep that meets a process whose
object is gone. Any model can be a process's artifact, so a user stands in for one here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from viewflow.fsm import NoTransition
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from workflows import flowsync
from workflows.models import EventType

REVIEW = "transfers/flows.IncomingTransferFlow.review"


@pytest.fixture
def process_for(db) -> Callable[..., Process]:
    """A process of a real flow about ``artifact``, with its review task still open."""

    def make(artifact: User, *, finished: bool = False, object_id: int | None = None) -> Process:
        process = Process.objects.create(
            flow_class=REVIEW.rsplit(".", 1)[0],
            artifact_content_type=ContentType.objects.get_for_model(User),
            artifact_object_id=artifact.pk if object_id is None else object_id,
            finished=timezone.now() if finished else None,
        )
        Task.objects.create(process=process, flow_task=REVIEW, flow_task_type="HUMAN", status=STATUS.NEW)
        return process

    return make


def catch_up(artifact: User, logger: logging.Logger | None = None) -> int:
    return flowsync.catch_up(
        artifact,
        lambda _node, _artifact: True,
        decided_in=EventType.TRANSFER_STATE_CHANGED,
        rounds=3,
        logger=logger or logging.getLogger("tests"),
    )


def test_the_sweep_leaves_a_busy_case_for_its_next_pass(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, caplog
) -> None:
    from transfers.flows import sync_open_flows
    from transfers.models import State, Transfer
    from transfers.services import start_incoming_transfer

    from ..fixtures.faults import RowHolder

    remote = sandbox_domain(sponsor="nordhost")
    transfer = start_incoming_transfer(
        account=customer_a,
        domain_name=remote.name,
        authinfo=remote.authinfo,
        registrant=registrant_a,
        actor=customer_a,
        channel="web",
    )
    # A state the flow has not followed (as a step committed before its flow could be told).
    Transfer.objects.filter(pk=transfer.pk).update(state=State.CANCELLED)
    process = flowsync.process_of(transfer)
    holder = RowHolder(Process, process.pk)
    holder.start()
    holder.locked.wait(10)
    try:
        with caplog.at_level(logging.INFO, logger="workflows.flowsync"):
            assert sync_open_flows() == 0
    finally:
        holder.release()
    assert f"transfer {transfer.pk} is busy" in caplog.text
    assert Process.objects.get(pk=process.pk).finished is None
    # The next pass, with the row free, catches the flow up.
    assert sync_open_flows() >= 1
    assert Process.objects.get(pk=process.pk).finished is not None


def test_a_task_completed_elsewhere_first_is_not_counted_and_ends_the_catch_up(
    customer_a, process_for
) -> None:
    process_for(customer_a)
    with mock.patch.object(
        flowsync, "complete_task", side_effect=NoTransition("execute", STATUS.DONE)
    ) as done:
        assert catch_up(customer_a) == 0
    assert done.call_count == 1  # nothing moved, so no second round


def test_an_object_without_a_process_has_nothing_to_catch_up(customer_a) -> None:
    assert catch_up(customer_a) == 0


def test_the_sweep_visits_each_open_process_whose_object_still_exists(
    customer_a, customer_b, process_for
) -> None:
    process_for(customer_a)
    process_for(customer_b, finished=True)
    process_for(customer_a, object_id=customer_b.pk + 1000)
    visited: list[int] = []

    def sync_one(object_id: int) -> int:
        visited.append(object_id)
        return 2

    assert flowsync.sync_open(User, sync_one) == 2
    assert visited == [customer_a.pk]
