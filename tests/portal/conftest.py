"""Human tasks in viewflow's own tables, made directly: no flow exists yet to make them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from workflows.roles import team_permission

# References that name no flow in the code: viewflow reads them back as "no flow" quietly,
# where an empty reference would warn on every read.
NO_FLOW = "transfers/flows.NotAFlow"
NO_TASK = "transfers/flows.NotAFlow.step"


@pytest.fixture
def make_task(db) -> Callable[..., Task]:
    def make(
        team: str | None = None,
        *,
        owner: User | None = None,
        age: timedelta = timedelta(hours=1),
        status: str = STATUS.NEW,
        finished: bool = False,
    ) -> Task:
        created = timezone.now() - age
        process = Process.objects.create(flow_class=NO_FLOW, created=created)
        return Task.objects.create(
            process=process,
            flow_task=NO_TASK,
            flow_task_type="HUMAN",
            status=status,
            created=created,
            finished=created + timedelta(minutes=5) if finished else None,
            owner=owner,
            owner_permission=team_permission(team) if team else None,
        )

    return make
