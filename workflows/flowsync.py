"""Bringing a viewflow process in line with the FSM state of the object it is about.

The domain object's FSM state is the source of truth and the services are its only writers;
a flow's waits (a ``Handle``, a human task decided through a service) are completed after
the fact, once the object has moved past them. The services catch a flow up after each
committed transition, and the periodic sweep catches up every open process, so a flow that
missed a step (a busy lock, a crashed worker) still arrives.

Each app says what is its own: which node waits for which state, which history event
records who decided a human task, and how many completions one catch-up may chain. The
moving itself is the same everywhere and lives here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models, transaction
from viewflow.fsm import NoTransition
from viewflow.workflow import flow
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from .models import EventType, HistoryEvent

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

Artifact = TypeVar("Artifact", bound=models.Model)

logger = logging.getLogger(__name__)

OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED]


def process_of(artifact: models.Model) -> Process | None:
    """The object's latest process: a restarted flow leaves its earlier processes behind."""
    return (
        Process.objects.filter(
            artifact_content_type=ContentType.objects.get_for_model(artifact), artifact_object_id=artifact.pk
        )
        .order_by("-pk")
        .first()
    )


def catch_up(
    artifact: Artifact,
    waiting_is_over: Callable[[str, Artifact], bool],
    *,
    decided_in: EventType,
    rounds: int,
    logger: logging.Logger,
) -> int:
    """Complete every open task of the object's process whose wait is over; returns how many.

    ``waiting_is_over(node_name, artifact)`` says whether the object has moved past the node.
    A human task is recorded as decided by the actor of the object's latest ``decided_in``
    event, since staff decide through the services, not through the task. ``rounds`` bounds
    how many completions may chain, since each completion may open the next wait. Never
    raises for a busy flow: that is logged on the caller's ``logger`` and the flow catches up
    on the next call.
    """
    process = process_of(artifact)
    if process is None:
        return 0
    done = 0
    try:
        for _round in range(rounds):
            moved = False
            for task in Task.objects.filter(process=process, status__in=OPEN_TASK).order_by("pk"):
                if not waiting_is_over(task.flow_task.name, artifact):
                    continue
                try:
                    complete_task(task, lambda: last_actor(artifact, decided_in))
                except NoTransition:
                    # Another process (a worker, the periodic sync) completed it first.
                    continue
                moved = True
                done += 1
            if not moved:
                break
            # The next round judges the waits the completions opened by the state as it is now.
            artifact.refresh_from_db()
    except FlowLockFailed:
        logger.info(
            "flow of %s %s is busy; it catches up on the next sync", artifact._meta.model_name, artifact.pk
        )
    return done


def complete_task(task: Task, decided_by: Callable[[], AbstractBaseUser | None]) -> None:
    """Let the flow go past ``task``, whose work is already done.

    A ``Handle`` is just run. A human task was decided through a service, so it is assigned
    to whoever decided (``decided_by`` is asked only then) and executed on their behalf.
    """
    node = task.flow_task
    if isinstance(node, flow.Handle):
        node.run(task)
        return
    with transaction.atomic(), task.activation() as activation:
        if task.status == STATUS.NEW:
            activation.assign(decided_by())
        if task.status == STATUS.ASSIGNED:
            activation.start(None)
        activation.execute()


def sync_open(model: type[models.Model], sync_one: Callable[[int], int]) -> int:
    """Run ``sync_one(pk)`` for every object of ``model`` with an open process; returns the
    sum. A process whose object is gone is passed over: there is nothing to judge it by."""
    content_type = ContentType.objects.get_for_model(model)
    ids = Process.objects.filter(artifact_content_type=content_type, finished__isnull=True).values_list(
        "artifact_object_id", flat=True
    )
    moved = 0
    for object_id in list(ids):
        if not model._default_manager.filter(pk=object_id).exists():
            continue
        try:
            moved += sync_one(object_id)
        except DatabaseError:
            # Its rows are held (someone is moving it on): the next pass catches it up.
            logger.info(
                "%s %s is busy; its flow catches up on the next pass", model._meta.model_name, object_id
            )
    return moved


def last_actor(artifact: models.Model, event_type: EventType) -> AbstractBaseUser | None:
    """Who decided the case's latest ``event_type`` event: the one a human task is assigned to."""
    event = (
        HistoryEvent.objects.for_object(artifact)
        .filter(event_type=event_type, actor__isnull=False)
        .order_by("-id")
        .first()
    )
    return event.actor if event else None
