"""What every step of a transfer shares: the event it records, the transition under the
lock (``workflows.cases``), and what may follow it (``workflows.outbox``).

Registry commands are never sent inside a transaction (the gateway commits its own record
first): a step that needs the registry's answer before deciding calls it first and then takes
the lock; a step whose consequence is a registry command writes an outbox row, and the relay
sends it after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from registry.gateway import RegistryGateway
from registry.profiles import profile_for
from workflows import outbox
from workflows.models import Channel

from .. import events
from ..kind import TRANSFERS
from ..models import Transfer

Consequence = Callable[[Transfer], None]


def our_client_id(domain_name: str) -> str:
    """Our registrar ID at the registry that keeps ``domain_name``."""
    return profile_for(domain_name).client_id


def gateway(domain_name: str) -> RegistryGateway:
    """The registry that keeps ``domain_name``, in its profile's dialect."""
    return RegistryGateway.for_domain(domain_name)


def wipe_code(transfer: Transfer) -> None:
    transfer.authinfo_sealed = ""


def transition(
    transfer_id: int,
    move: str,
    *,
    summary: Any,
    actor=None,
    channel: str = Channel.SYSTEM,
    reason: str = "",
    data: dict | None = None,
    change: Callable[[Transfer], None] | None = None,
    then: Iterable[Consequence] = (),
    quiet_if: Iterable[str] = (),
    params: dict | None = None,
    catch_up: bool = True,
) -> Transfer | None:
    """One step: the FSM transition under the lock, its event and what follows, in one
    transaction. A transfer whose state does not allow ``move`` raises the conflict, unless
    its state is in ``quiet_if`` (a registry answer arriving after the fact): None then."""
    with TRANSFERS.step(transfer_id, catch_up=catch_up) as transfer:
        if not TRANSFERS.can(transfer, move):
            if transfer.state in quiet_if:
                return None
            raise TRANSFERS.conflict(transfer)
        before = TRANSFERS.move(transfer, move)
        if change is not None:
            change(transfer)
        transfer.save()
        events.state_changed(
            transfer,
            before,
            summary,
            actor=actor,
            channel=channel,
            reason=reason,
            data=data,
            **(params or {}),
        )
        for consequence in then:
            consequence(transfer)
    return transfer


# ---------------------------------------------------------------------- what follows a step


def mail(kind: str) -> Consequence:
    """The customer hears of the step (``transfers/email/<language>/<kind>.txt``)."""

    def write(transfer: Transfer) -> None:
        outbox.emit("transfers.mail", {"transfer": transfer.pk, "kind": kind}, case=transfer)

    return write


def registry_command(command: str) -> Consequence:
    """Our ``request``, ``cancel``, ``approve`` or ``reject`` goes to the registry."""

    def write(transfer: Transfer) -> None:
        outbox.emit("transfers.registry", {"transfer": transfer.pk, "command": command}, case=transfer)

    return write


def mail_customer(transfer: Transfer, kind: str) -> None:
    """The customer's mail of ``kind`` about ``transfer``, in the caller's transaction."""
    mail(kind)(transfer)
