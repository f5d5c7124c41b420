"""What tests of every kind of case share: waiting for a case to reach a state, one round of
the periodic work, and a race of several people acting at the same instant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection, models
from django.utils import translation

from workflows.errors import Conflict
from workflows.rounds import run_once

Case = TypeVar("Case", bound=models.Model)


def wait_state(jobs, case: Case, *states: str, timeout: float = 40.0) -> Case:
    """The case as it is once it reached one of ``states`` (a worker may still be at it)."""
    model = type(case)
    jobs.wait_for(lambda: model.objects.get(pk=case.pk).state in states, timeout=timeout)
    return model.objects.get(pk=case.pk)


def process_registry(jobs=None, until=None, timeout: float = 40.0) -> None:
    """One round of `manage.py process_registry`; with a worker, rounds until ``until()``."""
    run_once(strict=True)
    if jobs is not None and until is not None:

        def again() -> bool:
            if until():
                return True
            run_once(strict=True)
            return until()

        jobs.wait_for(again, timeout=timeout)


def race(calls: list[Callable[[], Case]]) -> list[tuple[str, str]]:
    """Run every call at the same instant, each in a thread with its own connection; returns
    ("won", state), ("conflict", message) or ("error", repr) per call."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, str]] = []
    lock = threading.Lock()

    def run(call: Callable[[], Case]) -> None:
        translation.activate("en")
        try:
            barrier.wait()
            outcome = ("won", call().state)
        except Conflict as exc:
            outcome = ("conflict", str(exc))
        except Exception as exc:  # noqa: BLE001 - the test reports anything else as a failure
            outcome = ("error", repr(exc))
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
