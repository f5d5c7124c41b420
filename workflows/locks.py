"""Row locks of a step, always taken in one order, so that two steps never wait for each
other in a circle:

1. the case's viewflow process rows (oldest first);
2. the case's own row (a transfer, a cesja);
3. other rows the step changes, each kind in primary-key order: domains, then registrants,
   then the case's own child rows (invitations, items, tokens);
4. the history chain head, taken by ``record_event`` and held to the commit: nothing is
   locked after it but what the chain head's holder already holds.

viewflow's own activations (a timer firing, a task claimed in a queue) lock the process row
first too, so a step that a flow node calls finds its first lock already held by its own
transaction. Every flow uses ``flow_lock``: it waits for a busy process row instead of failing
at once. viewflow's default ``select_for_update_lock`` is NOWAIT: inside a step's transaction
a busy row aborts the whole transaction, and the decision with it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from viewflow.workflow.lock import SelectForUpdateLock
from viewflow.workflow.models import Process

# One attempt, waiting: a retry loop inside an outer transaction cannot recover from a failed
# statement, and waiting is what the lock order makes safe.
flow_lock = SelectForUpdateLock(nowait=False, attempts=1)


def lock_processes(model: type[models.Model], pk: int) -> list[Process]:
    """Lock every process about the object (1 in the order above); returns them oldest first."""
    content_type = ContentType.objects.get_for_model(model)
    return list(
        Process.objects.select_for_update()
        .filter(artifact_content_type=content_type, artifact_object_id=pk)
        .order_by("pk")
    )


_prelocked = threading.local()


@contextmanager
def prelocked(rows: Iterable[models.Model]) -> Iterator[None]:
    """Case rows the caller has locked already, with their process rows before them (1 and 2
    above), for a batch of steps in one transaction: the first ``lock_case`` of each in the
    batch takes it from here instead of locking it again. Each is handed out once."""
    _prelocked.rows = {(type(row), row.pk): row for row in rows}
    try:
        yield
    finally:
        _prelocked.rows = None


def in_batch() -> bool:
    """Whether this thread is inside a batch of steps (``prelocked``), which is rolled back
    whole when one of them fails."""
    return getattr(_prelocked, "rows", None) is not None


def lock_case(model: type[models.Model], pk: int, related: tuple[str, ...] = ()) -> models.Model:
    """Lock the process rows, then the case row (1 and 2 above), and return the case."""
    held = getattr(_prelocked, "rows", None)
    if held:
        row = held.pop((model, int(pk)), None)
        if row is not None:
            return row
    lock_processes(model, pk)
    # OF self: the joined rows are only read, and PostgreSQL cannot lock a nullable outer join.
    return model._default_manager.select_for_update(of=("self",)).select_related(*related).get(pk=pk)


def lock_rows(queryset: models.QuerySet) -> list[models.Model]:
    """Lock a set of rows of one kind in primary-key order (3 above)."""
    return list(queryset.select_for_update().order_by("pk"))


def wait_at_most(seconds: float) -> None:
    """In the current transaction, a lock that is not free within ``seconds`` fails the
    statement (PostgreSQL's lock_timeout) instead of waiting on. For background rounds, which
    leave a busy case for their next pass; SQLite has its own busy timeout."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(seconds * 1000)}ms"])
