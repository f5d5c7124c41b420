"""The step runner every kind of case (a transfer, a cesja) runs on.

A step is one transaction: it locks the case (``workflows.locks``: the process rows, then the
case row), checks the state under the lock, makes the FSM transition, records the history
event, writes what must follow as outbox rows (``workflows.outbox``), and brings the case's
viewflow process in line (``workflows.flowsync``), all before the commit. A step therefore
either happens whole, with its flow's bookkeeping and everything that must follow it, or not
at all; nothing waits for a callback after the commit.

Each kind of case describes itself once with a ``CaseKind``: its model, the rows read with it,
its history event types and how its flow catches up. Its services then read as the trade:
``with kind.step(pk) as case: kind.move(case, "approve") ...``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import formats, timezone
from django_fsm import can_proceed
from viewflow.workflow.flow import Flow
from viewflow.workflow.models import Process, Task

from . import flowpass, flowsync, locks
from .errors import Conflict
from .history import history_text, record_event
from .models import Channel, HistoryEvent
from .outbox import backoff
from .readable import actor_name

Case = TypeVar("Case", bound=models.Model)

# How long a background round waits for a case's rows before it leaves the case for later.
BACKGROUND_LOCK_WAIT = 2.0


def now() -> datetime:
    return timezone.now()


def when(moment: datetime | None) -> str:
    """A moment as the reader's locale writes it, in local time."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def is_staff(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_back_office", False))


@dataclass
class FlowSpec(Generic[Case]):
    """How a kind's viewflow process follows its case: ``start(case)`` starts the process,
    ``waits[node_name](case)`` says whether the case has moved past that node (a node not
    named there is never completed from outside), ``rounds`` bounds how many completions one
    catch-up through viewflow may chain, ``flow_class(case)`` is the flow a case runs."""

    start: Callable[[Case], None]
    waits: Mapping[str, Callable[[Case], bool]]
    rounds: int
    flow_class: Callable[[Case], type[Flow]]

    def waiting_is_over(self, node_name: str, case: Case) -> bool:
        over = self.waits.get(node_name)
        return over is not None and over(case)


# Written out: the ORM's version of it cost a step more to build than to run.
_OPEN_TASKS = (
    f"SELECT * FROM {Task._meta.db_table} WHERE process_id = ("  # noqa: S608
    f"SELECT max(id) FROM {Process._meta.db_table} "
    "WHERE artifact_content_type_id = %s AND artifact_object_id = %s"
    f") AND status IN ({', '.join(['%s'] * len(flowpass.OPEN_TASK))}) ORDER BY id"
)


class CaseKind(Generic[Case]):
    """One kind of case, as the step runner needs to know it."""

    model: type[Case]
    related: tuple[str, ...] = ()
    state_event: str
    delayed_event: str
    # "This request was already moved on (now: …) by … at …", in the kind's own noun.
    moved_on_text: Any
    cannot_now_text: Any
    delayed_text: Any
    logger: logging.Logger
    flow: FlowSpec[Case] | None = None

    # ------------------------------------------------------------------ the step

    def locked(self, pk: int) -> Case:
        return locks.lock_case(self.model, pk, self.related)

    @contextmanager
    def step(self, pk: int, *, catch_up: bool = True, savepoint: bool = True) -> Iterator[Case]:
        """The case locked inside one transaction; the flow catches up before the commit.
        ``catch_up=False`` for a step a flow node runs: that flow moves on by itself.
        ``savepoint=False`` for a step whose caller opened the transaction for it and lets
        every error out of it, so that the step costs no savepoint. In a batch of a background
        round the step needs no savepoint of its own either: the batch is rolled back whole when
        a step fails, and made again without it (``workflows.batches``)."""
        with transaction.atomic(savepoint=savepoint and not locks.in_batch()):
            case = self.locked(pk)
            yield case
            if catch_up:
                self.catch_up(case)

    def move(self, case: Case, transition: str) -> str:
        """Run ``transition`` on the locked case; returns the state before, or raises the
        conflict that names who moved it last."""
        method = getattr(case, transition)
        if not can_proceed(method):
            raise self.conflict(case)
        before = case.state
        method()
        return before

    def can(self, case: Case, transition: str) -> bool:
        return can_proceed(getattr(case, transition))

    def conflict(self, case: Case) -> Conflict:
        last = HistoryEvent.objects.for_object(case).filter(changes__has_key="state").order_by("-id").first()
        state = case.get_state_display()
        if last is None:
            return Conflict(self.cannot_now_text % {"state": state})
        return Conflict(
            self.moved_on_text % {"state": state, "actor": actor_name(last), "time": when(last.occurred_at)}
        )

    def record(
        self,
        case: Case,
        summary: Any,
        *,
        event_type: str | None = None,
        before: str | None = None,
        actor: Any = None,
        actor_label: str = "",
        channel: str = Channel.SYSTEM,
        reason: Any = "",
        changes: dict | None = None,
        data: dict | None = None,
        **params: Any,
    ) -> HistoryEvent:
        """The step's history event: the state it left (``before``) and the one it reached,
        the summary in the product's language naming what ``summary_params`` offers."""
        all_changes = dict(changes or {})
        if before is not None and before != case.state:
            all_changes["state"] = [before or None, case.state]
        return record_event(
            event_type=event_type or self.state_event,
            summary=history_text(summary, **self.summary_params(case), **params),
            actor=actor,
            actor_label=actor_label,
            channel=channel if actor is not None or actor_label else Channel.SYSTEM,
            subject=case,
            domain_name=self.event_domain(case),
            reason=history_text(reason),
            changes=all_changes,
            data={**self.event_data(case), **(data or {})},
        )

    # ------------------------------------------------------------------ the flow

    def start_flow(self, case: Case, *, new: bool = False) -> None:
        """Start the case's process in the caller's transaction (once) and catch it up.
        ``new``: the case was made in this transaction, so it cannot have a process yet."""
        if self.flow is None:
            return
        if not new and flowsync.process_of(case) is not None:
            self.catch_up(case)
            return
        try:
            flowpass.start(
                self.flow.flow_class(case),
                case,
                self.flow.waiting_is_over,
                artifact_type=ContentType.objects.get_for_model(case),
            )
        except flowpass.NotHere as unknown:
            self.logger.debug(
                "flow of %s %s starts through viewflow: %s", self.model._meta.model_name, case.pk, unknown
            )
            self.flow.start(case)
            self.catch_up(case)

    def catch_up(self, case: Case) -> int:
        """Complete the waits of the case's process that the case has moved past, in the
        caller's transaction: in one pass of a few statements (``workflows.flowpass``), or
        through viewflow's own activations where the flow has a node that pass does not know."""
        if self.flow is None:
            return 0
        # The latest process's open tasks in one statement: the case's lock is all a step
        # needs (see workflows.locks), so the process row is not even read.
        tasks = list(
            Task.objects.raw(
                _OPEN_TASKS,
                [ContentType.objects.get_for_model(case).pk, case.pk, *map(str, flowpass.OPEN_TASK)],
            )
        )
        if not tasks:
            return 0  # no process, or one that has nothing left to wait for
        try:
            return flowpass.advance(
                tasks,
                case,
                self.flow.waiting_is_over,
                decided_by=lambda: flowsync.last_actor(case, self.state_event),
            )
        except flowpass.NotHere as unknown:
            self.logger.debug(
                "flow of %s %s moves through viewflow: %s", self.model._meta.model_name, case.pk, unknown
            )
        return flowsync.catch_up(
            case,
            self.flow.waiting_is_over,
            decided_in=self.state_event,
            rounds=self.flow.rounds,
            logger=self.logger,
        )

    def sync_flow(self, pk: int) -> int:
        """Catch one case's flow up in a transaction of its own (the periodic round), waiting
        for its rows only briefly: a case someone is moving on is left for the next pass."""
        with transaction.atomic():
            locks.wait_at_most(BACKGROUND_LOCK_WAIT)
            return self.catch_up(self.locked(pk))

    def sync_open_flows(self) -> int:
        return flowsync.sync_open(self.model, self.sync_flow)

    # ------------------------------------------------------------------ the registry

    def registry_delayed(self, pk: int, exc: Exception, problem: str) -> datetime:
        """A registry command of the case did not get through: count the try, set when the
        next one goes, say so once in the history. Returns the moment of the next try."""
        with transaction.atomic():
            case = self.locked(pk)
            case.registry_tries += 1
            case.retry_at = now() + backoff(case.registry_tries)
            case.registry_error = problem
            case.save(update_fields=["registry_tries", "retry_at", "registry_error"])
            if case.registry_tries == 1:
                record_event(
                    event_type=self.delayed_event,
                    summary=history_text(self.delayed_text, **self.summary_params(case)),
                    channel=Channel.SYSTEM,
                    subject=case,
                    domain_name=self.event_domain(case),
                    reason=history_text(problem),
                    data={"state": case.state, "error": type(exc).__name__},
                )
        return case.retry_at

    # ------------------------------------------------------------------ the kind's own words

    def summary_params(self, case: Case) -> dict[str, Any]:
        """What a summary of this kind may name (``%(domain)s``, ``%(number)s`` …)."""
        raise NotImplementedError

    def event_domain(self, case: Case) -> str:
        """The domain an event of this case is found under in a search by domain."""
        raise NotImplementedError

    def event_data(self, case: Case) -> dict[str, Any]:
        """What every event of the case carries in its data."""
        raise NotImplementedError
