"""Helpers of the cesja tests: the steps every path goes through, taken as the people do."""

from __future__ import annotations

import re
import time

from django.core import mail
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from assignments.models import Cesja, Reason, Side
from assignments.services import current_form, start_cesja, submit_signed_document, tick_checklist
from tests.fixtures.assignments import signed_scan
from tests.steps import process_registry, wait_state  # noqa: F401 - the suite's shared helpers
from workflows import outbox
from workflows.flowsync import process_of
from workflows.models import Channel, HistoryEvent

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
    return signed_scan(prepared_form(cesja).number)


def prepared_form(cesja: Cesja, timeout: float = 40.0):
    """The current form, once the background work has rendered the one a join asked for: the
    outbox relay here (the round that does it without a broker), or a worker, waited for."""
    deadline = time.monotonic() + timeout
    while (form := current_form(cesja)) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"the form of {cesja.number} was not rendered within {timeout} s")
        outbox.relay()
        time.sleep(0.05)
    return form


def tick_everything(cesja: Cesja, staff) -> None:
    for item in Cesja.objects.get(pk=cesja.pk).checklist_items():
        tick_checklist(cesja=cesja, item=item, checked=True, note=f"{item} checked", actor=staff)


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


def ready_for_approval(domain, customer, cedent, cesjonariusz, staff):
    """A cesja of ``domain`` with its signed form on file and every checklist item ticked."""
    cesja = start_cesja(
        initiator=customer,
        side=Side.CEDENT,
        domains=[domain],
        cedent_registrant=cedent,
        cesjonariusz_registrant=cesjonariusz,
        reason=Reason.PERSON_TO_FIRM,
        actor=customer,
        channel=Channel.WEB,
    )
    submit_signed_document(
        cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer
    )
    tick_everything(cesja, staff)
    return cesja
