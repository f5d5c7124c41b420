"""viewflow processes for transfers: the steps that involve people and time.

The transfer's FSM state (``transfers.models.Transfer.state``) is the source of truth and the
services are the only writers of it; a flow orchestrates around it. Two things start from
the flow: the staff review task (a human task in the domains team's queue) and the
confirmation deadline (a viewflow database timer, fired by ``workflow_timers`` /
``process_registry``, never a countdown in the broker). Everything else a flow waits for is
a ``Handle`` that ``sync_flow`` completes once the transfer has moved past it; the services
call ``sync_flow`` after each committed transition, and ``process_registry`` calls it for
every open process, so a flow that missed a step catches up.

Every flow locks its process row (``select_for_update``) while it moves; the services lock
the transfer row first and never wait for a process lock while holding it (``sync_flow``
runs after their commit), so the two locks are never taken in opposite orders.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process

from workflows import flowsync
from workflows.models import EventType
from workflows.roles import team_permission

from .models import TERMINAL_STATES, Direction, State, Transfer

logger = logging.getLogger(__name__)


class IncomingTransferFlow(flow.Flow):
    """Incoming transfer

    A customer brings a domain to us: an optional staff review, the registrant's
    confirmation before its deadline, then the registry's outcome.
    """

    process_title = _("Incoming transfer")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.begin).Next(this.check_risk)
    check_risk = flow.If(this.needs_review).Then(this.review).Else(this.await_confirmation)
    # Staff decide through transfers.services.review_transfer; the task shows the work in the
    # domains team's queue and is completed when the decision is recorded.
    review = flow.ManualTask().Permission(team_permission("domains")).Next(this.after_review)
    after_review = flow.If(this.passed_review).Then(this.await_confirmation).Else(this.end)
    await_confirmation = (
        flow.Handle()
        .OnTimeout(this.confirmation_deadline, this.lapse, title=_("confirmation deadline"))
        .Next(this.await_outcome)
    )
    lapse = flow.Function(this.expire).Next(this.end)
    await_outcome = flow.Handle().Next(this.end)
    end = flow.End()

    def begin(self, activation, transfer: Transfer) -> None:
        activation.process.artifact = transfer

    def needs_review(self, activation) -> bool:
        return _transfer(activation).state == State.REVIEW

    def passed_review(self, activation) -> bool:
        return _transfer(activation).state not in TERMINAL_STATES

    def confirmation_deadline(self, activation):
        return _transfer(activation).confirmation_deadline

    def expire(self, activation) -> None:
        from .services import expire_confirmation

        expire_confirmation(_transfer(activation).pk)


class OutgoingTransferFlow(flow.Flow):
    """Outgoing transfer

    Another registrar asked for a domain we hold: the domains team sees it (and may reject it
    on a catalogued ground); the registrant may approve at once; otherwise the registry
    approves when its window closes.
    """

    process_title = _("Outgoing transfer")
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.begin).Next(this.staff_check)
    # Completed by transfers.services.reject_outgoing, or by sync_flow once the transfer
    # has moved on without staff (approved by the registrant, by the registry).
    staff_check = flow.ManualTask().Permission(team_permission("domains")).Next(this.await_outcome)
    await_outcome = flow.Handle().Next(this.end)
    end = flow.End()

    def begin(self, activation, transfer: Transfer) -> None:
        activation.process.artifact = transfer


def _transfer(activation) -> Transfer:
    return Transfer.objects.get(pk=activation.process.artifact_object_id)


def flow_for(transfer: Transfer) -> type[flow.Flow]:
    return IncomingTransferFlow if transfer.direction == Direction.INCOMING else OutgoingTransferFlow


def process_of(transfer: Transfer) -> Process | None:
    return flowsync.process_of(transfer)


def start_flow(transfer_id: int) -> None:
    transfer = Transfer.objects.get(pk=transfer_id)
    if process_of(transfer) is None:
        flow_for(transfer).start.run(transfer=transfer)
    sync_flow(transfer_id)


def _waiting_is_over(node_name: str, transfer: Transfer) -> bool:
    if node_name == "review":
        return transfer.state != State.REVIEW
    if node_name == "await_confirmation":
        return transfer.state != State.AWAITING_CONFIRMATION
    if node_name == "staff_check":
        return transfer.state != State.PENDING
    if node_name == "await_outcome":
        return transfer.state in TERMINAL_STATES
    return False


def sync_flow(transfer_id: int) -> int:
    """Complete every task of the transfer's process whose wait is over; returns how many.
    Never raises: the flow catches up on the next call if its lock is busy."""
    transfer = Transfer.objects.get(pk=transfer_id)
    return flowsync.catch_up(
        transfer, _waiting_is_over, decided_in=EventType.TRANSFER_STATE_CHANGED, rounds=6, logger=logger
    )


def sync_open_flows() -> int:
    """Bring every open transfer's flow in line (the periodic catch-up)."""
    return flowsync.sync_open(Transfer, sync_flow)
