"""Due workflow timers, fired in batches that several processors share without colliding.

viewflow keeps a deadline (a ``.OnTimeout`` boundary) as a task row with status SCHEDULED and
the due moment in ``scheduled``. Its own dispatcher walks the whole due list one task at a
time, each in a transaction of its own; two dispatchers walk the same list, meet on the same
process row and the loser waits. Here a processor claims a batch instead: one query takes the
due timer rows and their process rows with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so that
another processor's claim passes over them and takes the next ones. On SQLite, which has no
row locks, the claim is a plain ordered batch: its writers are serialised (each transaction
begins IMMEDIATE), so the next claim reads what the previous batch committed.

All the timers of a batch fire in its one transaction (``workflows.batches``). A timer that
fails (a broken case, a bug) is logged, the batch is rolled back and made again without it:
it stays SCHEDULED, its claim ends with the rollback and the next round tries it again, while
the rest of the batch goes on.

How a timer fires:

- a deadline that ends its flow (``lapse_in_bulk``: an interrupting timer on a ``Handle``,
  then a ``Function``, then ``End``) runs the case's own step (the service: its lock, FSM
  transition, history event and outbox rows) per case, and writes viewflow's bookkeeping for
  the whole batch at once: the timer done, the waiting task cancelled, the function and end
  tasks, their links, the process finished, the rows viewflow's activations would write;
- any other timer goes through viewflow's own activation, as viewflow's dispatcher runs it.

The batch's cases are locked and read in one query, its history events chained at its end and
its outbox rows (the customer's mail) handed to the job queue after the commit, as
``workflows.batches`` describes; nothing is sent from inside the round.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from viewflow.workflow import flow
from viewflow.workflow.models import Task
from viewflow.workflow.nodes.boundary import TimerBoundary
from viewflow.workflow.signals import flow_finished, task_failed, task_finished, task_started
from viewflow.workflow.status import PROCESS, STATUS

from . import batches, locks
from .cases import CaseKind

logger = logging.getLogger(__name__)

BATCH = batches.BATCH


@dataclass(frozen=True, eq=False)
class Lapse:
    """A deadline whose firing ends the flow: ``fire(case_pk)`` is the case's step."""

    timer: TimerBoundary
    host: Any
    function: Any
    end: Any
    fire: Callable[[int], Any]
    kind: CaseKind | None


_lapses: dict[tuple[type, str], tuple[Callable[[int], Any], CaseKind | None]] = {}
_resolved: dict[tuple[type, str], Lapse | None] = {}


def lapse_in_bulk(
    flow_class: type[flow.Flow], node_name: str, fire: Callable[[int], Any], *, kind: CaseKind | None = None
) -> None:
    """Fire the timer ``node_name`` of ``flow_class`` in bulk, with ``fire(case_pk)`` as the
    step of each case: the same step the flow's ``Function`` node after the timer runs. With
    the ``kind`` of case the flow is about, the batch locks and reads its cases in one query
    (with the kind's related rows), and each step takes its case from there.

    Only a timer whose path viewflow would take as: the timer (interrupting) cancels its
    ``Handle``, then one ``Function``, then ``End``, with no data or seed passed on and no
    boundary events of their own. Anything else is refused when first used (logged; its
    timers then fire through viewflow's own activation), since the batch writes exactly
    those rows."""
    _lapses[(flow_class, node_name)] = (fire, kind)
    _resolved.pop((flow_class, node_name), None)


def _lapse_for(node: Any) -> Lapse | None:
    key = (node.flow_class, node.name)
    if key not in _lapses:
        return None
    if key not in _resolved:
        try:
            _resolved[key] = _resolve(node, *_lapses[key])
        except ValueError:
            logger.exception("timers of %s fire one by one, through viewflow", node.name)
            _resolved[key] = None
    return _resolved[key]


def _resolve(timer: Any, fire: Callable[[int], Any], kind: CaseKind | None) -> Lapse:
    def refuse(why: str) -> ValueError:
        return ValueError(f"timer {timer.flow_class.__name__}.{timer.name} cannot lapse in bulk: {why}")

    if not isinstance(timer, TimerBoundary) or not timer._interrupting:
        raise refuse("not an interrupting timer on a task")
    host, function = timer._attached_to, timer._next
    if type(host) is not flow.Handle:
        raise refuse("the timer waits on something other than a Handle")
    if type(function) is not flow.Function:
        raise refuse("the timer is not followed by a Function")
    end = function._next
    if type(end) is not flow.End:
        raise refuse("the Function is not followed by End")
    for node in (timer, function):
        if node._task_data or node._task_seed:
            raise refuse(f"{node.name} passes data on")
    for node in (function, end):
        if node._boundary_events:
            raise refuse(f"{node.name} has boundary events")
    return Lapse(timer=timer, host=host, function=function, end=end, fire=fire, kind=kind)


# ---------------------------------------------------------------------- the round


def fire_due_timers(*, batch: int = BATCH) -> int:
    """Fire every due timer, batch after batch, until none is left that this call has not
    tried; returns how many fired. Several calls may run at once, on any machines."""
    fired = 0
    failed: set[int] = set()
    while True:
        try:
            done, claimed = _fire_batch(batch, failed)
        except batches.Redo as redo:
            failed.add(redo.key)
            continue
        if not claimed:
            return fired
        fired += done


def _fire_batch(size: int, failed: set[int]) -> tuple[int, int]:
    """One batch in one transaction: (fired, claimed)."""
    with transaction.atomic():
        locks.wait_at_most(batches.LOCK_WAIT)
        claimed = _claim(size, failed)
        if not claimed:
            return 0, 0
        lapses: dict[int, Lapse | None] = {}
        for task in claimed:
            try:
                lapses[task.pk] = _lapse_for(task.flow_task)
            except Exception as exc:
                logger.exception("timer task %s: its node cannot be read; left", task.pk)
                raise batches.Redo(task.pk) from exc
        in_bulk: dict[Lapse, list[Task]] = defaultdict(list)
        fired = 0
        cases = _cases(claimed, lapses)
        # A timer whose case someone is moving on right now is left for the next round: its
        # step may be cancelling this very timer, and waits for the claim of it.
        held = {(case._meta.concrete_model, case.pk) for case in cases}
        ready = [task for task in claimed if _case_key(task) in held]
        failed.update(task.pk for task in claimed if _case_key(task) not in held)
        with batches.batch(cases) as current:
            for task in ready:
                lapse = lapses[task.pk]
                what = f"timer task {task.pk} ({task.flow_task})"
                if lapse is None:
                    fired += current.attempt(task.pk, what, lambda task=task: _fire_with_viewflow(task))
                else:
                    pk = int(task.process.artifact_object_id)
                    current.attempt(task.pk, what, lambda pk=pk, fire=lapse.fire: fire(pk))
                    in_bulk[lapse].append(task)
                    fired += 1
            for lapse, tasks in in_bulk.items():
                _lapsed(lapse, tasks)
    return fired, len(claimed)


def _cases(claimed: list[Task], lapses: dict[int, Lapse | None]) -> list:
    """The cases of the batch's timers, locked and read in one query per kind of case (with
    the related rows of a bulk lapse's kind), passing over those someone else holds."""
    related: dict[type, tuple[str, ...]] = {}
    wanted: dict[type, list[int]] = defaultdict(list)
    for task in claimed:
        model, pk = _case_key(task)
        if model is None:
            continue
        wanted[model].append(pk)
        lapse = lapses.get(task.pk)
        if lapse is not None and lapse.kind is not None:
            related[model] = lapse.kind.related
    rows: list = []
    for model, pks in wanted.items():
        rows.extend(batches.lock_cases(model, pks, related.get(model, ())))
    return rows


def _case_key(task: Task) -> tuple[type | None, int]:
    process = task.process
    if process.artifact_content_type_id is None or process.artifact_object_id is None:
        return None, 0
    model = ContentType.objects.get_for_id(process.artifact_content_type_id).model_class()
    return (model._meta.concrete_model if model is not None else None), int(process.artifact_object_id)


def _claim(size: int, failed: set[int]) -> list[Task]:
    """The next due timers nobody else holds, with their process rows (read with them; the
    cases, which come first in the lock order of ``workflows.locks``, are taken after with
    SKIP LOCKED, so the claim never waits)."""
    due = Task.objects.filter(flow_task_type="TIMER", status=STATUS.SCHEDULED, scheduled__lte=timezone.now())
    if failed:
        due = due.exclude(pk__in=failed)
    due = due.select_related("process").order_by("scheduled", "pk")
    # OF both: a timer cancelled by a step that committed after this query began is re-read
    # under its lock and no longer matches.
    return list(batches.skip_locked(due, of=("self", "process"))[:size])


# ---------------------------------------------------------------------- viewflow's own way


_failures = threading.local()


def _noted(sender, task, **kwargs) -> None:
    found = getattr(_failures, "tasks", None)
    if found is not None:
        found.append(task)


task_failed.connect(_noted, dispatch_uid="workflows.timers.failures", weak=False)


@contextmanager
def _failures_noted() -> Iterator[list]:
    _failures.tasks = []
    try:
        yield _failures.tasks
    finally:
        _failures.tasks = None


def _fire_with_viewflow(task: Task) -> bool:
    """What viewflow's dispatcher does with one timer, except that a failure downstream
    (which viewflow records as an ERROR task and swallows) raises, so that the caller's
    savepoint undoes the whole firing and the timer stays due."""
    with _failures_noted() as failures, task.activation() as activation:
        start = getattr(activation, "start", None)
        if start is None:
            logger.warning("timer task %s references a missing node %r; skipped", task.pk, task.flow_task)
            return False
        if not start.can_proceed():
            return False
        activation.start()
        activation.execute()
        if failures:
            raise RuntimeError(f"timer task {task.pk}: {failures[0].flow_task} failed: {failures[0].data}")
    return True


# ---------------------------------------------------------------------- the bookkeeping in bulk


def _lapsed(lapse: Lapse, timers: list[Task]) -> None:
    """viewflow's rows for timers that fired and whose case step has run: what its
    activations write one by one (the timer started and done, its Handle cancelled, the
    Function and End tasks done and linked, the process finished when nothing else is open),
    written for the whole batch at once, with the same signals."""
    moment = timezone.now()
    through = Task.previous.through
    timer_ids = [t.pk for t in timers]
    for timer in timers:
        timer.status, timer.started, timer.finished = STATUS.DONE, moment, moment
    Task.objects.filter(pk__in=timer_ids).update(status=STATUS.DONE, started=moment, finished=moment)
    # The interrupting timer cancels its waiting Handle (which can be cancelled only while NEW).
    hosts = list(
        through.objects.filter(from_task_id__in=timer_ids, to_task__status=STATUS.NEW).values_list(
            "to_task_id", flat=True
        )
    )
    Task.objects.filter(pk__in=hosts, status=STATUS.NEW).update(status=STATUS.CANCELED, finished=moment)

    def tasks_of(node: Any, task_type: str) -> list[Task]:
        return Task.objects.bulk_create(
            [
                Task(
                    process=t.process,
                    flow_task=node,
                    flow_task_type=task_type,
                    status=STATUS.DONE,
                    token=t.token,
                    data={},
                    created=moment,
                    started=moment,
                    finished=moment,
                )
                for t in timers
            ]
        )

    functions = tasks_of(lapse.function, lapse.function.task_type)
    ends = tasks_of(lapse.end, lapse.end.task_type)
    through.objects.bulk_create(
        [through(from_task_id=f.pk, to_task_id=t.pk) for f, t in zip(functions, timers, strict=True)]
        + [through(from_task_id=e.pk, to_task_id=f.pk) for e, f in zip(ends, functions, strict=True)]
    )
    # End finishes the process only when nothing else of it is open (a parallel branch).
    processes = {t.process_id: t.process for t in timers}
    open_tasks = Task.objects.filter(process_id__in=processes, finished__isnull=True)
    still_open = set(open_tasks.values_list("process_id", flat=True))
    finishing = [pk for pk in processes if pk not in still_open]
    type(timers[0].process)._default_manager.filter(pk__in=finishing).update(
        status=PROCESS.DONE, finished=moment
    )
    flow_class = lapse.timer.flow_class
    for timer, function, end in zip(timers, functions, ends, strict=True):
        process = timer.process
        if process.pk in processes and process.pk not in still_open:
            process.status, process.finished = PROCESS.DONE, moment
        task_finished.send(sender=flow_class, process=process, task=timer)
        for task in (function, end):
            task_started.send(sender=flow_class, process=process, task=task)
            task_finished.send(sender=flow_class, process=process, task=task)
        if process.finished == moment:
            flow_finished.send(sender=flow_class, process=process, task=end)
