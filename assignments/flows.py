"""The viewflow process of a cesja: the steps that involve people and time.

The cesja's FSM state (``assignments.models.Cesja.state``) is the source of truth and the
services are the only writers of it; the flow orchestrates around it, as the transfer flows
do. It shows the verification work in the domains team's queue (human tasks), holds the
documents deadline as a viewflow database timer (fired by ``process_registry``), and loops
back to waiting for documents when staff ask for a correction or a new form version is
issued. Every wait is completed by the step runner (``workflows.cases``) once the cesja has
moved past it, in the step's own transaction; the periodic round catches up every open
process too.

Every flow locks its process row with ``workflows.locks.flow_lock``, which waits for a busy
row; a step locks the process row before the cesja row, as a flow node does.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.cases import FlowSpec
from workflows.locks import flow_lock
from workflows.roles import team_permission

from . import services
from .kind import CESJE
from .models import DOCUMENT_STATES, TERMINAL_STATES, Approval, Cesja, State

logger = logging.getLogger(__name__)

BACK_TO_DOCUMENTS = (State.AWAITING_DOCUMENTS, State.CORRECTION_REQUESTED)


class SecondPairOfEyes(flow.ManualTask):
    """The second approval: anyone in the domains team except who approved first."""

    def _first_approvers(self, task) -> set[int]:
        cesja = Cesja.objects.filter(pk=task.process.artifact_object_id).first()
        if cesja is None:
            return set()
        return set(
            Approval.objects.filter(cesja=cesja, round=cesja.verification_round).values_list(
                "approved_by_id", flat=True
            )
        )

    def can_assign(self, user, task) -> bool:
        return super().can_assign(user, task) and user.pk not in self._first_approvers(task)

    def can_execute(self, user, task) -> bool:
        return super().can_execute(user, task) and user.pk not in self._first_approvers(task)


class CesjaFlow(flow.Flow):
    """Cesja

    The parties send the signed form before its deadline; the domains team verifies it
    (twice for a flagged domain); the registry changes the registrant.
    """

    process_title = _("Cesja")
    lock_impl = flow_lock

    start = flow.StartHandle(this.begin).Next(this.await_documents)
    await_documents = (
        flow.Handle()
        .OnTimeout(this.documents_deadline, this.lapse, title=_("documents deadline"))
        .Next(this.documents_in)
    )
    documents_in = flow.If(this.is_in_verification).Then(this.verification).Else(this.end)
    # Staff decide through assignments.services (approve_cesja, reject_cesja,
    # request_correction); the task shows the work in the queue and is completed when the
    # decision is recorded.
    verification = (
        flow.ManualTask()
        .Annotation(title=_("Cesja: verification"))
        .Permission(team_permission("domains"))
        .Next(this.after_verification)
    )
    after_verification = (
        flow.Switch()
        .Case(this.second_verification, this.needs_second_approval)
        .Case(this.execute, this.is_executing)
        .Case(this.await_documents, this.back_to_documents)
        .Default(this.end)
    )
    second_verification = (
        SecondPairOfEyes()
        .Annotation(title=_("Cesja: second approval"))
        .Permission(team_permission("domains"))
        .Next(this.after_second)
    )
    after_second = (
        flow.Switch()
        .Case(this.execute, this.is_executing)
        .Case(this.await_documents, this.back_to_documents)
        .Default(this.end)
    )
    # The registry job is an outbox message written with the approval (assignments.consequences).
    execute = flow.Handle().Next(this.end)
    lapse = flow.Function(this.expire).Next(this.after_lapse)
    # A timer that fired for a deadline a correction has since moved finds the cesja alive.
    after_lapse = flow.If(this.has_ended).Then(this.end).Else(this.await_documents)
    end = flow.End()

    def begin(self, activation, cesja: Cesja) -> None:
        activation.process.artifact = cesja

    def documents_deadline(self, activation):
        return _cesja(activation).documents_deadline

    def is_in_verification(self, activation) -> bool:
        return _cesja(activation).state == State.IN_VERIFICATION

    def needs_second_approval(self, activation) -> bool:
        return _cesja(activation).state == State.AWAITING_SECOND_APPROVAL

    def is_executing(self, activation) -> bool:
        return _cesja(activation).state in (State.EXECUTING, State.COMPLETED, State.FAILED)

    def back_to_documents(self, activation) -> bool:
        return _cesja(activation).state in BACK_TO_DOCUMENTS

    def has_ended(self, activation) -> bool:
        return _cesja(activation).state in TERMINAL_STATES

    def expire(self, activation) -> None:
        services.expire_cesja(_cesja(activation).pk, from_flow=True)


def _cesja(activation) -> Cesja:
    # A step's own flow pass hands over the cesja it holds locked; viewflow does not.
    case = getattr(activation, "case", None)
    return case if case is not None else Cesja.objects.get(pk=activation.process.artifact_object_id)


def _start(cesja: Cesja) -> None:
    CesjaFlow.start.run(cesja=cesja)


# Each wait of the flow, and when the cesja has moved past it.
WAITS = {
    "await_documents": lambda cesja: cesja.state not in DOCUMENT_STATES,
    "verification": lambda cesja: cesja.state != State.IN_VERIFICATION,
    "second_verification": lambda cesja: cesja.state != State.AWAITING_SECOND_APPROVAL,
    "execute": lambda cesja: cesja.state in TERMINAL_STATES,
}


CESJE.flow = FlowSpec(start=_start, waits=WAITS, rounds=8, flow_class=lambda cesja: CesjaFlow)


def sync_open_flows() -> int:
    """Bring every open cesja's flow in line (the periodic catch-up)."""
    return CESJE.sync_open_flows()
