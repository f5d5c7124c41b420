"""Helpers of the transfer tests."""

from __future__ import annotations

import re

from django.core import mail

from transfers.models import Transfer
from workflows.rounds import run_once

CONFIRM_LINK = re.compile(r"/transfers/confirm/([A-Za-z0-9_-]+)/")


def confirmation_token(address: str | None = None) -> str:
    """The token of the newest confirmation link mailed (to ``address``)."""
    for message in reversed(mail.outbox):
        if address is None or address in message.to:
            found = CONFIRM_LINK.search(message.body)
            if found:
                return found.group(1)
    raise AssertionError("no confirmation link was mailed")


def wait_state(jobs, transfer: Transfer, *states: str, timeout: float = 30.0) -> Transfer:
    jobs.wait_for(lambda: Transfer.objects.get(pk=transfer.pk).state in states, timeout=timeout)
    return Transfer.objects.get(pk=transfer.pk)


def process_registry(jobs=None, until=None, timeout: float = 30.0) -> None:
    """One round of `manage.py process_registry`; with a worker, rounds until ``until()``."""
    run_once(strict=True)
    if jobs is not None and until is not None:

        def again() -> bool:
            if until():
                return True
            run_once(strict=True)
            return until()

        jobs.wait_for(again, timeout=timeout)


def subjects(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if address in m.to]
