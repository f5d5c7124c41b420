"""Background rounds that make many steps, batch by batch, each batch in one transaction.

A round (due timers, a deadline sweep) claims a batch of due work with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so that several processors running the same round take disjoint
batches instead of queueing on the same rows; on SQLite, which has no row locks, a claim is a
plain ordered batch, and its writers are serialised (each transaction begins IMMEDIATE), so
the next claim reads what the previous batch committed.

A step that fails (a broken case, a bug) is logged, the batch's transaction is rolled back
whole and the batch is made again without that case (``Redo``), which is left for the next
round: its claim ends with the rollback, and the rest of the batch goes on. The steps are the
cases' own services (lock, FSM transition, history event, outbox rows), with three things
done once per batch:

- the cases are locked and read in one query, before the steps (``locks.prelocked``); a case
  someone else holds is passed over and left for the next round, so that a batch never waits
  for a person's step (which may itself wait for a row the batch has claimed);
- their outbox rows are written in one statement and handed to the job queue after the commit
  (``outbox.held_wakes``): nothing is sent from inside a round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction

from . import locks, outbox

logger = logging.getLogger(__name__)

BATCH = 200
# How long a batch waits for a case's rows held by someone else before it leaves the case for
# the next round (a claim itself never waits).
LOCK_WAIT = 2.0


def skip_locked(query: models.QuerySet, of: tuple[str, ...] = ("self",)) -> models.QuerySet:
    """``query`` locking its rows and passing over those another transaction holds, where the
    database has row locks; as it is on SQLite."""
    if connection.features.has_select_for_update_skip_locked:
        return query.select_for_update(skip_locked=True, of=of)
    return query


def lock_cases(model: type[models.Model], pks: list[int], related: tuple[str, ...] = ()) -> list:
    """The cases ``pks`` locked and read in one query (their process rows are the caller's);
    a case row someone else holds is passed over: its step waits for it (briefly) itself."""
    query = model._default_manager.filter(pk__in=pks).select_related(*related).order_by("pk")
    return list(skip_locked(query))


class Redo(Exception):  # noqa: N818 - it is an instruction, not an error
    """A step of the batch failed: the batch's transaction is rolled back whole, and the batch
    is made again without the case ``key``, which waits for the next round."""

    def __init__(self, key: Any) -> None:
        super().__init__(f"the batch is made again without {key!r}")
        self.key = key


class Batch:
    """The steps of one batch, inside the batch's transaction (see the module's text)."""

    def attempt(self, key: Any, what: str, step: Callable[[], Any]) -> Any:
        """Run ``step``; its result. One that raises is logged and ends the batch (``Redo``).

        A step has no savepoint of its own here: two statements more per step, which a
        batch of hundreds feels, to spare a redo that only a broken case costs."""
        try:
            return step()
        except Exception as exc:
            logger.exception("%s failed; left for the next round, the rest of the batch goes on", what)
            raise Redo(key) from exc


@contextmanager
def batch(cases: list[models.Model]) -> Iterator[Batch]:
    """The scope of one batch's steps, in the caller's transaction: ``cases`` are locked
    already. At its end the outbox rows are written, and the wake-ups wait for the commit. Each
    history event is written by its step, in its case's own chain, whose head only that case's
    steps take."""
    with locks.prelocked(cases), outbox.held_wakes() as messages:
        yield Batch()
        wake = outbox.write_held(messages)
    transaction.on_commit(lambda: outbox.hand_over(wake))


# ---------------------------------------------------------------------- deadline sweeps


def sweep(
    kind: Any, due: models.QuerySet, step: Callable[[int], Any], *, size: int = BATCH, what: str = ""
) -> int:
    """Run ``step(pk)`` once for every case of ``due`` (a query of ``kind.model``; the step
    checks again under the lock whether the case is still due), batch after batch in primary-key
    order; returns how many steps returned something other than None.

    A batch takes its case rows (the first lock of ``workflows.locks``) with SKIP LOCKED: a
    case another processor or a person's step holds is passed over, for that one to finish
    and the next round to see. Several sweeps may run at once."""
    name = what or kind.model._meta.model_name
    done = 0
    after = 0
    failed: set[int] = set()
    while True:
        try:
            with transaction.atomic():
                locks.wait_at_most(LOCK_WAIT)
                pending = due.filter(pk__gt=after).exclude(pk__in=failed).order_by("pk")
                pks = list(pending.values_list("pk", flat=True)[:size])
                if not pks:
                    return done
                cases = lock_cases(kind.model, pks, kind.related)
                stepped = 0
                with batch(cases) as current:
                    for case in cases:
                        result = current.attempt(case.pk, f"{name} {case.pk}", lambda pk=case.pk: step(pk))
                        stepped += result is not None
        except Redo as redo:
            failed.add(redo.key)
            continue
        done += stepped
        after = pks[-1]
