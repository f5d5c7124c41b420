"""viewflow processes for transfers: the steps that involve people and time.

The transfer's FSM state (``transfers.models.Transfer.state``) is the source of truth and the
services are the only writers of it; a flow orchestrates around it. Two things start from
the flow: the staff review task (a human task in the domains team's queue) and the
confirmation deadline (a viewflow database timer, fired in batches by ``workflows.timers`` through
``process_registry``, never a countdown in the broker). Everything else a flow waits for is
a ``Handle`` that the step runner (``workflows.cases``) completes once the transfer has moved
past it, in the step's own transaction; the periodic round catches up every open process too.

Every flow locks its process row with ``workflows.locks.flow_lock``, which waits for a busy
row; a step locks the process row before the transfer row, as a flow node does, so the two
locks are never taken in opposite orders.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.cases import FlowSpec
from workflows.locks import flow_lock
from workflows.roles import team_permission
from workflows.timers import lapse_in_bulk

from . import services
from .kind import TRANSFERS
from .models import TERMINAL_STATES, Direction, State, Transfer

logger = logging.getLogger(__name__)


class IncomingTransferFlow(flow.Flow):
    """Incoming transfer

    A customer brings a domain to us: an optional staff review, the registrant's
    confirmation before its deadline, then the registry's outcome.
    """

    process_title = _("Incoming transfer")
    lock_impl = flow_lock

    start = flow.StartHandle(this.begin).Next(this.check_risk)
    check_risk = flow.If(this.needs_review).Then(this.review).Else(this.await_confirmation)
    # Staff decide through transfers.services.review_transfer; the task shows the work in the
    # domains team's queue and is completed when the decision is recorded.
    review = (
        flow.ManualTask()
        .Annotation(title=_("Incoming transfer: review"))
        .Permission(team_permission("domains"))
        .Next(this.after_review)
    )
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
        services.expire_confirmation(_transfer(activation).pk)


class OutgoingTransferFlow(flow.Flow):
    """Outgoing transfer

    Another registrar asked for a domain we hold: the domains team sees it (and may reject it
    on a catalogued ground); the registrant may approve at once; otherwise the registry
    approves when its window closes. Where the losing registrar has no say (NASK asks the
    registrant itself), there is nothing for staff to decide: the flow waits for the outcome.
    """

    process_title = _("Outgoing transfer")
    lock_impl = flow_lock

    start = flow.StartHandle(this.begin).Next(this.check_model)
    check_model = flow.If(this.losing_registrar_decides).Then(this.staff_check).Else(this.await_outcome)
    # Completed by transfers.services.reject_outgoing, or by the catch-up once the transfer
    # has moved on without staff (approved by the registrant, by the registry).
    staff_check = (
        flow.ManualTask()
        .Annotation(title=_("Outgoing transfer: staff check"))
        .Permission(team_permission("domains"))
        .Next(this.await_outcome)
    )
    await_outcome = flow.Handle().Next(this.end)
    end = flow.End()

    def begin(self, activation, transfer: Transfer) -> None:
        activation.process.artifact = transfer

    def losing_registrar_decides(self, activation) -> bool:
        return _transfer(activation).registry_profile.transfer.losing_registrar_decides


def _transfer(activation) -> Transfer:
    # A step's own flow pass hands over the transfer it holds locked; viewflow does not.
    case = getattr(activation, "case", None)
    return case if case is not None else Transfer.objects.get(pk=activation.process.artifact_object_id)


def flow_for(transfer: Transfer) -> type[flow.Flow]:
    return IncomingTransferFlow if transfer.direction == Direction.INCOMING else OutgoingTransferFlow


def _start(transfer: Transfer) -> None:
    flow_for(transfer).start.run(transfer=transfer)


# Each wait of the flow, and when the transfer has moved past it.
WAITS = {
    "review": lambda transfer: transfer.state != State.REVIEW,
    "await_confirmation": lambda transfer: transfer.state != State.AWAITING_CONFIRMATION,
    "staff_check": lambda transfer: transfer.state != State.PENDING,
    "await_outcome": lambda transfer: transfer.state in TERMINAL_STATES,
}


TRANSFERS.flow = FlowSpec(start=_start, waits=WAITS, rounds=6, flow_class=flow_for)

# The confirmation deadline ends the flow: the timer round expires transfers batch by batch,
# each through the same step ``expire`` runs, with the flow's rows written for the batch.
lapse_in_bulk(
    IncomingTransferFlow, "await_confirmation__timeout", services.expire_confirmation, kind=TRANSFERS
)


def sync_open_flows() -> int:
    """Bring every open transfer's flow in line (the periodic catch-up)."""
    return TRANSFERS.sync_open_flows()
