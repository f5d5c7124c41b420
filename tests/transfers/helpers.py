"""Helpers of the transfer tests."""

from __future__ import annotations

import email
import email.policy
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


NASK_LINK = re.compile(r"https://\S+/registry/confirm\?transfer=(\d+)&token=([A-Za-z0-9_-]+)")


def nask_confirmation(door, domain_name: str) -> tuple[int, str]:
    """The newest confirmation link the sandbox's NASK mailed for ``domain_name``."""
    for path in sorted(door.store.mail_dir.glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if domain_name in message["Subject"]:
            found = NASK_LINK.search(message.get_content())
            return int(found.group(1)), found.group(2)
    raise AssertionError(f"NASK mailed no confirmation for {domain_name}")


def losing_side_lets_go(world, epp_client, domain_name: str) -> None:
    """What lets a pending transfer complete at its registry: at NASK the registrant uses the
    link NASK mailed; at a gTLD registry the losing registrar (nordhost) approves."""
    if world.sandbox_https is not None and domain_name.endswith(".pl"):
        world.sandbox_https.registry.confirm_transfer(*nask_confirmation(world.sandbox_https, domain_name))
    else:
        epp_client("nordhost").transfer_approve(domain_name)
