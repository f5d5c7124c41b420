"""Row locks of a step, always taken in one order, so that two steps never wait for each
other in a circle:

1. the case's own row (a transfer, a cesja): whoever holds it may move the case and its flow;
2. the case's viewflow process rows, when viewflow's own activations run (``flow_lock``);
3. other rows the step changes, each kind in primary-key order: domains, then registrants,
   then the case's own child rows (invitations, items, tokens);
4. the history chain heads of the chains the step writes to (its case's, a domain's), taken
   by ``record_event`` and held to the commit: nothing is locked after them but what a head's
   holder already holds. A step writes events about the rows it has locked (1 and 3), so
   two steps meet at a chain's head only where they have already met at its row.

Every flow uses ``flow_lock`` as its ``lock_impl``: before viewflow touches a process (a timer
firing, a task claimed in a queue) it takes the row of the case the process is about, then
the process row. Everyone who moves a flow therefore holds the case row first, so a step locks
the case alone and writes its flow's rows under that lock (``workflows.flowpass``), and a
flow node that calls a step finds the case already locked by its own transaction. The lock
waits for a busy row instead of failing at once: viewflow's default ``select_for_update_lock``
is NOWAIT, and inside a step's transaction a busy row aborts the whole transaction, and the
decision with it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from viewflow.workflow.models import Process


class CaseFirstLock:
    """viewflow's lock for our flows: the case's row, then the process row (1 and 2 above).

    One attempt, waiting: a retry loop inside an outer transaction cannot recover from a
    failed statement, and waiting is what the lock order makes safe."""

    @contextmanager
    def __call__(self, flow_class: Any, process_pk: int) -> Iterator[None]:
        with transaction.atomic():
            about = (
                Process.objects.filter(pk=process_pk)
                .values_list("artifact_content_type_id", "artifact_object_id")
                .first()
            )
            if about is not None and about[0] is not None and about[1] is not None:
                model = ContentType.objects.get_for_id(about[0]).model_class()
                if model is not None:
                    model._default_manager.select_for_update(of=("self",)).filter(pk=about[1]).exists()
            Process.objects.select_for_update().filter(pk=process_pk).exists()
            yield


flow_lock = CaseFirstLock()


_prelocked = threading.local()


@contextmanager
def prelocked(rows: Iterable[models.Model]) -> Iterator[None]:
    """Case rows the caller has locked already (1 above), for a batch of steps in one
    transaction: the first ``lock_case`` of each in the batch takes it from here instead of
    locking it again. Each is handed out once."""
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
    """Lock the case row (1 above) and return the case."""
    held = getattr(_prelocked, "rows", None)
    if held:
        row = held.pop((model, int(pk)), None)
        if row is not None:
            return row
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
