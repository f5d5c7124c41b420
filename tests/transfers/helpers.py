"""Helpers of the transfer tests."""

from __future__ import annotations

import re

from django.core import mail

from tests.steps import process_registry, wait_state  # noqa: F401 - the suite's shared helpers

CONFIRM_LINK = re.compile(r"/transfers/confirm/([A-Za-z0-9_-]+)/")


def confirmation_token(address: str | None = None) -> str:
    """The token of the newest confirmation link mailed (to ``address``)."""
    for message in reversed(mail.outbox):
        if address is None or address in message.to:
            found = CONFIRM_LINK.search(message.body)
            if found:
                return found.group(1)
    raise AssertionError("no confirmation link was mailed")


def subjects(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if address in m.to]
