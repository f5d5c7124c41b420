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

from django.db import models, transaction
from django.utils import formats, timezone
from django_fsm import can_proceed

from . import flowsync, locks
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
    catch-up may chain."""

    start: Callable[[Case], None]
    waits: Mapping[str, Callable[[Case], bool]]
    rounds: int

    def waiting_is_over(self, node_name: str, case: Case) -> bool:
        over = self.waits.get(node_name)
        return over is not None and over(case)


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
    def step(self, pk: int, *, catch_up: bool = True) -> Iterator[Case]:
        """The case locked inside one transaction; the flow catches up before the commit.
        ``catch_up=False`` for a step a flow node runs: that flow moves on by itself. In a
        batch of a background round the step needs no savepoint of its own: the batch is
        rolled back whole when a step fails, and made again without it (``workflows.batches``)."""
        with transaction.atomic(savepoint=not locks.in_batch()):
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

    def start_flow(self, case: Case) -> None:
        """Start the case's process in the caller's transaction (once) and catch it up."""
        if self.flow is None:
            return
        if flowsync.process_of(case) is None:
            self.flow.start(case)
        self.catch_up(case)

    def catch_up(self, case: Case) -> int:
        if self.flow is None:
            return 0
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
