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
from viewflow.workflow.exceptions import FlowLockFailed
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


def test_a_busy_flow_is_logged_on_the_callers_logger_and_left_for_the_next_sync(
    customer_a, process_for, caplog
) -> None:
    process_for(customer_a)
    with (
        mock.patch.object(flowsync, "complete_task", side_effect=FlowLockFailed),
        caplog.at_level(logging.INFO, logger="transfers.flows"),
    ):
        assert catch_up(customer_a, logging.getLogger("transfers.flows")) == 0
    [record] = [r for r in caplog.records if r.name == "transfers.flows"]
    assert record.getMessage() == f"flow of user {customer_a.pk} is busy; it catches up on the next sync"


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
