"""Finding out whether a command whose answer was lost took effect, by asking the registry.

Each judge looks at the answer to the command's ``probe`` query. ``since`` is when we sent
the command, less some slack for the registry's clock; anything older is an earlier story.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from .client import EppClient
from .commands import Command
from .data import ContactInfo, TransferData
from .results import CommandUseError, ObjectDoesNotExist, ObjectNotPendingTransfer, Response

CLOCK_SLACK = timedelta(minutes=10)


def _transfer_requested(response: Response, client_id: str, since: datetime) -> bool:
    data = response.data
    return isinstance(data, TransferData) and data.requested_by == client_id and data.requested_at >= since


def _transfer_ended_as(status: str) -> Callable[[Response, str, datetime], bool]:
    def judge(response: Response, client_id: str, since: datetime) -> bool:
        data = response.data
        return isinstance(data, TransferData) and data.status == status and data.action_at >= since

    return judge


def _contact_created(response: Response, client_id: str, since: datetime) -> bool:
    data = response.data
    return isinstance(data, ContactInfo) and data.sponsor == client_id and data.created_at >= since


JUDGES: dict[str, Callable[[Response, str, datetime], bool]] = {
    "domain:transfer:request": _transfer_requested,
    "domain:transfer:approve": _transfer_ended_as("clientApproved"),
    "domain:transfer:reject": _transfer_ended_as("clientRejected"),
    "domain:transfer:cancel": _transfer_ended_as("clientCancelled"),
    "contact:create": _contact_created,
}


def was_executed(
    client: EppClient,
    command: Command,
    *,
    sent_at: datetime,
    execute: Callable[[Command], Response] | None = None,
) -> bool | None:
    """True if the registry shows the command's effect, False if it shows it did not happen,
    None if this kind of command cannot be checked.

    ``execute`` sends the probe query (by default ``client.execute``); the Django gateway
    passes its own, so that the probe is recorded like any other command."""
    judge = JUDGES.get(command.name)
    if judge is None or command.probe is None:
        return None
    try:
        response = (execute or client.execute)(command.probe)
    except (ObjectNotPendingTransfer, ObjectDoesNotExist):
        return False
    except CommandUseError:
        # A transfer query of a domain with no transfer history at all is a 2002 at some
        # registries (Nomulus: "Object has no transfer history"): no request of ours was made.
        if command.probe.name == "domain:transfer:query":
            return False
        raise
    return judge(response, client.client_id, sent_at - CLOCK_SLACK)
