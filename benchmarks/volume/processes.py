"""The workflow side of each request: its viewflow process and the tasks it went through,
with an open task where the request waits (for the domains team, or for the outside world)."""

from __future__ import annotations

import random

from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from accounts.models import User
from assignments.flows import CesjaFlow
from assignments.models import Cesja
from assignments.models import State as CesjaState
from transfers.flows import IncomingTransferFlow, OutgoingTransferFlow
from transfers.models import State as TransferState
from transfers.models import Transfer
from workflows.roles import Team, team_permission

from .common import PlannedRequest, bulk


def seed_processes(
    planned: list[PlannedRequest], domain_staff: list[User], rng: random.Random, report
) -> None:
    flows = {"in": IncomingTransferFlow, "out": OutgoingTransferFlow, "cesja": CesjaFlow}
    transfer_type = ContentType.objects.get_for_model(Transfer)
    cesja_type = ContentType.objects.get_for_model(Cesja)
    processes = bulk(
        Process,
        [
            Process(
                flow_class=flows[request.kind],
                status=PROCESS.DONE if request.closed else PROCESS.NEW,
                created=request.created,
                finished=request.end if request.closed else None,
                artifact_content_type=cesja_type if request.kind == "cesja" else transfer_type,
                artifact_object_id=request.obj.pk,
            )
            for request in planned
        ],
    )
    permission = team_permission(Team.DOMAINS)
    tasks = []
    open_human = 0

    def task(process, node, *, created, finished=None, owner=None, human=False) -> Task:
        status = STATUS.DONE if finished else (STATUS.ASSIGNED if owner else STATUS.NEW)
        return Task(
            process=process,
            flow_task=node,
            flow_task_type=node.task_type,
            status=status,
            created=created,
            assigned=created if owner else None,
            finished=finished,
            owner=owner,
            owner_permission=permission if human else None,
        )

    for request, process in zip(planned, processes, strict=True):
        flow = flows[request.kind]
        tasks.append(task(process, flow.start, created=request.created, finished=request.created))
        middle = request.created + (request.end - request.created) / 3
        human_node = {
            "in": IncomingTransferFlow.review,
            "out": OutgoingTransferFlow.staff_check,
            "cesja": CesjaFlow.verification,
        }[request.kind]
        if request.closed:
            if request.kind != "in" or rng.random() < 0.2:
                tasks.append(
                    task(
                        process,
                        human_node,
                        created=request.created,
                        finished=middle,
                        owner=rng.choice(domain_staff),
                        human=True,
                    )
                )
            tasks.append(task(process, flow.end, created=request.end, finished=request.end))
            continue
        state = request.obj.state
        waiting_for_staff = state in (
            TransferState.REVIEW,
            CesjaState.IN_VERIFICATION,
            CesjaState.AWAITING_SECOND_APPROVAL,
        ) or (request.kind == "out" and rng.random() < 0.5)
        if waiting_for_staff:
            if state == CesjaState.AWAITING_SECOND_APPROVAL:
                human_node = CesjaFlow.second_verification
            owner = rng.choice(domain_staff) if rng.random() < 0.3 else None
            tasks.append(task(process, human_node, created=middle, owner=owner, human=True))
            open_human += 1
        else:
            waiting = {
                "in": IncomingTransferFlow.await_outcome,
                "out": OutgoingTransferFlow.await_outcome,
                "cesja": CesjaFlow.await_documents,
            }[request.kind]
            tasks.append(task(process, waiting, created=middle))
    bulk(Task, tasks)
    report.processes = len(processes)
    report.tasks = len(tasks)
    report.open_human_tasks = open_human
