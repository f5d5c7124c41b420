"""Helpers of the cesja tests: the steps every path goes through, taken as the people do."""

from __future__ import annotations

import re

from django.core import mail
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from assignments.flows import process_of
from assignments.models import Cesja, ChecklistItem
from assignments.services import current_form, tick_checklist
from tests.fixtures.assignments import signed_scan
from workflows.models import HistoryEvent
from workflows.rounds import run_once

INVITATION_LINK = re.compile(r"/cesje/invitation/([A-Za-z0-9_-]+)/")


def invitation_token(address: str) -> str:
    """The token of the newest invitation mailed to ``address``."""
    for message in reversed(mail.outbox):
        if address in message.to:
            found = INVITATION_LINK.search(message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no invitation was mailed to {address}")


def scan_of_current_form(cesja: Cesja):
    return signed_scan(current_form(cesja).number)


def tick_everything(cesja: Cesja, staff) -> None:
    for item in ChecklistItem.values:
        tick_checklist(cesja=cesja, item=item, checked=True, note=f"{item} checked", actor=staff)


def wait_state(jobs, cesja: Cesja, *states: str, timeout: float = 40.0) -> Cesja:
    jobs.wait_for(lambda: Cesja.objects.get(pk=cesja.pk).state in states, timeout=timeout)
    return Cesja.objects.get(pk=cesja.pk)


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


def events(cesja: Cesja, event_type: str | None = None):
    found = HistoryEvent.objects.for_object(cesja).order_by("id")
    return found.filter(event_type=event_type) if event_type else found


def open_tasks(cesja: Cesja) -> list[Task]:
    return list(
        Task.objects.filter(
            process=process_of(cesja), status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
        ).order_by("pk")
    )


def subjects(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if address in m.to]
