"""A flow's bookkeeping for one step, in one pass and a few statements.

viewflow moves a process one activation at a time: each completed task, each gateway, each
new task and each armed timer is saved by itself, under a savepoint, re-reading the process
and the object a condition asks about. For a step of a case that costs some twenty
statements. The waits of our flows are plain (``Handle``, manual tasks, ``If`` and
``Switch`` gateways, timers on the border of a task, ``End``), so this module works out in
memory what viewflow would do to the rows and writes it at once: one UPDATE for the tasks
that finish (completed waits, the timers on their border cancelled), one INSERT for the
tasks that open, one for their links to the tasks before them, and one UPDATE of the process
when it ends.

The rows it writes are the rows viewflow writes (``tests/workflows/test_flowpass.py``
compares the two, node for node). A flow that uses any other kind of node is not moved here:
``advance`` says so by raising ``NotHere`` before it writes anything, and the caller lets
viewflow's own activations do it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models
from django.utils import timezone
from viewflow.workflow import flow
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes.boundary import TimerBoundary
from viewflow.workflow.status import PROCESS, STATUS

OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED)
_FINISHED = (STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED, STATUS.ERROR)


class NotHere(Exception):  # noqa: N818 - a signal to the caller, not a failure
    """The flow needs a node this pass does not know; viewflow moves it instead."""


@dataclass
class Stand:
    """What a flow's condition or deadline is given in place of a viewflow activation: the
    process, the task being decided and the case itself, so that no condition reads the case
    again."""

    moving: FlowPass
    task: Task
    case: models.Model

    @property
    def process(self) -> Process:
        return self.moving.process

    @property
    def flow_task(self) -> Any:
        return self.task.flow_task


@dataclass
class FlowPass:
    process_id: int
    tasks: list[Task]  # the process's open tasks
    case: models.Model
    decided_by: Callable[[], Any]
    now: datetime = field(default_factory=timezone.now)
    finished: dict[int, Task] = field(default_factory=dict)
    opened: list[Task] = field(default_factory=list)
    links: list[tuple[Task, Task]] = field(default_factory=list)  # (task, a task before it)
    process_done: bool = False
    _process: Process | None = None

    @property
    def process(self) -> Process:
        """The process row, read only if a condition asks for it: ours ask the case."""
        if self._process is None:
            self._process = Process.objects.get(pk=self.process_id)
        return self._process

    # ------------------------------------------------------------------ working it out

    def complete(self, task: Task) -> None:
        """Let the flow go past ``task``, whose wait is over."""
        node = task.flow_task
        if isinstance(node, flow.View):
            if node._owner is not None:
                raise NotHere(node.name)
            if task.status == STATUS.NEW:
                task.owner = self.decided_by()
            task.started = self.now
        elif type(node) is flow.Handle:
            task.started = task.started or self.now
        else:
            raise NotHere(node.name)
        self._finish(task, STATUS.DONE)
        # Its timers die with it (viewflow: a boundary is cancelled when its host finishes).
        for armed in self.open_tasks():
            if armed.flow_task in node._boundary_events:
                self._finish(armed, STATUS.CANCELED)
        self.enter(node._next, after=task)

    def enter(self, node: Any, *, after: Task) -> None:
        """Open ``node`` after ``after``, running through gateways and the end."""
        task = Task(
            process_id=self.process_id,
            flow_task=node,
            flow_task_type=node.task_type,
            token=after.token,
            created=self.now,
            data={},
        )
        self.opened.append(task)
        self.links.append((task, after))
        if isinstance(node, flow.End):
            task.status, task.started, task.finished = STATUS.DONE, self.now, self.now
            if not [t for t in self.open_tasks() if t is not task]:
                self.process_done = True
        elif isinstance(node, flow.If):
            if node._on_true_data or node._on_false_data or node._on_true_seed or node._on_false_seed:
                raise NotHere(node.name)
            task.status, task.finished = STATUS.DONE, self.now
            self.enter(node._on_true if node._condition(self.stand(task)) else node._on_false, after=task)
        elif isinstance(node, flow.Switch):
            task.status, task.finished = STATUS.DONE, self.now
            self.enter(self._branch(node, task), after=task)
        elif isinstance(node, flow.View) or type(node) is flow.Handle:
            task.status = STATUS.NEW
            if isinstance(node, flow.View):
                if node._owner is not None or getattr(node, "_owner_permission_obj", None) or node._on_create:
                    raise NotHere(node.name)
                task.owner_permission = node.calc_owner_permission(self.stand(task))
            for boundary in node._boundary_events:
                self._arm(boundary, task)
        else:
            raise NotHere(node.name)

    def open_tasks(self) -> list[Task]:
        return [t for t in [*self.tasks, *self.opened] if t.status in OPEN_TASK and t.pk not in self.finished]

    def stand(self, task: Task) -> Stand:
        return Stand(moving=self, task=task, case=self.case)

    def _finish(self, task: Task, status: str) -> None:
        task.status, task.finished = status, self.now
        if task.pk is not None:
            self.finished[task.pk] = task

    def _branch(self, node: Any, task: Task) -> Any:
        for target, condition in node._branches:
            if condition is None or condition(self.stand(task)):
                return target
        raise NotHere(node.name)

    def _arm(self, boundary: Any, host: Task) -> None:
        if not isinstance(boundary, TimerBoundary) or not boundary._interrupting:
            raise NotHere(boundary.name)
        delay = boundary._delay
        if callable(delay):
            delay = delay(self.stand(host))
        if isinstance(delay, timedelta):
            delay = self.now + delay
        timer = Task(
            process_id=self.process_id,
            flow_task=boundary,
            flow_task_type=boundary.task_type,
            token=host.token,
            created=self.now,
            data={},
            status=STATUS.SCHEDULED,
            scheduled=delay,
        )
        self.opened.append(timer)
        self.links.append((timer, host))

    def complete_waits(self, waiting_is_over: Callable[[str, models.Model], bool]) -> int:
        """Complete every open wait the case has moved past, and those that opens; returns
        how many."""
        done = 0
        while True:
            due = [
                t
                for t in self.open_tasks()
                if not isinstance(t.flow_task, TimerBoundary) and waiting_is_over(t.flow_task.name, self.case)
            ]
            if not due:
                return done
            for task in due:
                self.complete(task)
                done += 1

    # ------------------------------------------------------------------ writing it

    def write(self) -> None:
        if self.finished:
            _finish_tasks(list(self.finished.values()), self.now)
        if self.opened:
            Task.objects.bulk_create(self.opened)
            _link([(task.pk, before.pk) for task, before in self.links])
        if self.process_done:
            Process.objects.filter(pk=self.process_id).update(status=PROCESS.DONE, finished=self.now)
            if self._process is not None:
                self._process.status, self._process.finished = PROCESS.DONE, self.now


def advance(
    tasks: list[Task],
    case: models.Model,
    waiting_is_over: Callable[[str, models.Model], bool],
    *,
    decided_by: Callable[[], Any],
) -> int:
    """Complete every open task of a process whose wait is over, with the tasks that opens;
    returns how many waits were completed. ``tasks`` are the process's open tasks (at least
    one), read under the case's lock; ``case`` is the case as the step left it. Raises
    ``NotHere`` (having written nothing) when the flow needs a node it does not know."""
    moving = FlowPass(
        process_id=tasks[0].process_id,
        tasks=sorted(tasks, key=lambda t: t.pk),
        case=case,
        decided_by=decided_by,
    )
    done = moving.complete_waits(waiting_is_over)
    moving.write()
    return done


def start(
    flow_class: Any,
    case: models.Model,
    waiting_is_over: Callable[[str, models.Model], bool],
    *,
    artifact_type: Any,
) -> Process:
    """Start ``flow_class``'s process about ``case`` and run it to its first waits still
    ahead of the case, as ``StartHandle.run`` and a catch-up would. The start node's own
    function is not called: all it does in our flows is name the artifact, which is done
    here. Raises ``NotHere`` (having written nothing) as ``advance`` does."""
    now = timezone.now()
    node = flow_class.instance.start
    if type(node) is not flow.StartHandle:
        raise NotHere(getattr(node, "name", "start"))
    process = Process(
        flow_class=flow_class, created=now, artifact_content_type=artifact_type, artifact_object_id=case.pk
    )
    first = Task(
        flow_task=node,
        flow_task_type=node.task_type,
        status=STATUS.DONE,
        created=now,
        started=now,
        finished=now,
        data={},
    )
    moving = FlowPass(process_id=0, tasks=[], case=case, decided_by=lambda: None, now=now, _process=process)
    moving.opened.append(first)
    moving.enter(node._next, after=first)
    moving.complete_waits(waiting_is_over)
    # Only now that the whole start is known is anything written.
    process.save(force_insert=True)
    moving.process_id = process.pk
    for task in moving.opened:
        task.process_id = process.pk
    moving.write()
    return process


def _finish_tasks(tasks: list[Task], moment: datetime) -> None:
    """One UPDATE for every task the pass finished. Written out rather than through
    ``bulk_update``, which builds the same CASE but costs more to compile than the step's
    other statements together. Each CASE ends in its own column, which also gives PostgreSQL
    the type of a branch whose value is NULL."""
    table = connection.ops.quote_name(Task._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    status, started, owner, params_status, params_started, params_owner = [], [], [], [], [], []
    for task in tasks:
        status.append("WHEN %s THEN %s")
        params_status += [task.pk, str(task.status)]
        started.append("WHEN %s THEN %s")
        params_started += [task.pk, adapt(task.started)]
        owner.append("WHEN %s THEN %s")
        params_owner += [task.pk, task.owner_id]
    ids = [task.pk for task in tasks]
    # Only the table's name and placeholders are formatted in; every value is a parameter.
    sql = (
        f"UPDATE {table} SET status = CASE id {' '.join(status)} ELSE status END, "  # noqa: S608
        f"started = CASE id {' '.join(started)} ELSE started END, "
        f"owner_id = CASE id {' '.join(owner)} ELSE owner_id END, "
        f"finished = %s WHERE id IN ({', '.join(['%s'] * len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params_status, *params_started, *params_owner, adapt(moment), *ids])


def _link(pairs: list[tuple[int, int]]) -> None:
    """The new tasks' links to the tasks before them, in one INSERT that asks nothing back."""
    table = connection.ops.quote_name(Task.previous.through._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(pairs))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (from_task_id, to_task_id) VALUES {rows}",  # noqa: S608
            [value for pair in pairs for value in pair],
        )
