"""The periodic rounds of background work, registered by the apps that own them.

Each app registers its rounds in ``AppConfig.ready()``: a name (what ``process_registry``
prints), the Celery task that does the work (a ``shared_task``, by object or dotted name)
and how often Celery beat sends it. The same registry drives both ways of running them:

- ``manage.py process_registry [--loop]`` (the embedded default, no broker) calls every
  round in order, in-process; one round failing is logged and the next one still runs;
- Celery beat's schedule is generated from it (``config.celery``), so a round registered
  here is never missing from production.

Rounds run in the order of their ``order`` (the stages below), and rounds of one stage in the
order they were registered: apps in ``INSTALLED_APPS`` order, each app's in the order its
``ready()`` registers them. A round depends only on the stages before it, never on a round
of its own stage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import count
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# The stages of one round, in the order they run.
REGISTRY = 10  # what the registry told us, and the commands we still owe it
TIMERS = 20  # due workflow timers (deadlines held by viewflow)
SWEEPS = 30  # the cases' own deadlines, reminders and retries
FLOWS = 40  # flows caught up with everything the stages above moved
TASKS = 50  # warnings and escalations of the human tasks the flows opened


@dataclass(frozen=True)
class Round:
    name: str
    task: str  # the Celery task's dotted name, which is also its registered name
    interval: float  # seconds between two runs under Celery beat
    order: int
    sequence: int  # registration order, within one stage

    def run(self) -> int:
        """Run the task here and now (not through the broker): this process is the worker."""
        return import_string(self.task)()


_rounds: dict[str, Round] = {}
_sequence = count()


def register(name: str, task: Any, *, every: float, order: int = SWEEPS) -> Round:
    """Register a periodic round. ``task`` is a ``shared_task`` or its dotted name.

    Registering the same name again with the same task replaces the interval and order and
    keeps its place (``ready()`` may run more than once); another task under a name already
    taken is refused."""
    task_name = task if isinstance(task, str) else task.name
    if "." not in task_name:
        raise ValueError(f"round {name!r}: {task_name!r} is not a task's dotted name")
    if every <= 0:
        raise ValueError(f"round {name!r}: the interval must be positive, not {every!r}")
    earlier = _rounds.get(name)
    if earlier is not None and earlier.task != task_name:
        raise ValueError(f"round {name!r} is already registered for {earlier.task}")
    sequence = earlier.sequence if earlier is not None else next(_sequence)
    _rounds[name] = Round(name=name, task=task_name, interval=float(every), order=order, sequence=sequence)
    return _rounds[name]


def unregister(name: str) -> None:
    _rounds.pop(name, None)


def registered() -> list[Round]:
    """Every registered round, in the order one pass runs them."""
    apps.check_apps_ready()
    return sorted(_rounds.values(), key=lambda r: (r.order, r.sequence))


def run_once(*, strict: bool = False) -> dict[str, int | None]:
    """One pass of every round, in order; returns each round's count, ``None`` for a round
    that failed. A failure is logged with its traceback and the next round runs all the
    same. With ``strict`` the first failure is raised again once every round has run."""
    counts: dict[str, int | None] = {}
    failures: list[Exception] = []
    for periodic in registered():
        try:
            counts[periodic.name] = periodic.run()
        except Exception as exc:
            logger.exception("round %r (%s) failed; the other rounds go on", periodic.name, periodic.task)
            counts[periodic.name] = None
            failures.append(exc)
    if strict and failures:
        raise failures[0]
    return counts


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery beat's schedule: one entry per registered round, named after it."""
    return {each.name: {"task": each.task, "schedule": each.interval} for each in registered()}
