"""What every cesja page shares: who may read it and decide on it, finding the cesja for
them, carrying out what they ask, and the case as the page shows it (its parties, domains,
progress and history)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from accounts.models import User
from workflows.progress import Step, progress
from workflows.roles import Role, Team

from .. import selectors
from ..models import DOCUMENT_STATES, VERIFICATION_STATES, Cesja, Side, State

# Everyone who may look at a cesja: its parties, and the back office and auditors.
READERS = (Role.CUSTOMER, Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
BACK_OFFICE_READERS = (Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
# Supervisors and auditors read; deciding on a cesja is the domains team's work.
DECIDERS = (Role.STAFF,)


def _may_decide(user: User) -> bool:
    return user.role in DECIDERS and user.team == Team.DOMAINS


def _cesja_or_404(user: User, pk: int) -> Cesja:
    # Another customer's cesja is "not found", not "forbidden": we do not confirm it exists.
    return selectors.cesja_for_user(user, pk)


def tone(state: str) -> str:
    return selectors.cesja_tone(state)


_STAGES = [
    (gettext_lazy("Both parties joined"), {State.AWAITING_PARTY}),
    (gettext_lazy("Signed form sent"), {State.AWAITING_DOCUMENTS, State.CORRECTION_REQUESTED}),
    (gettext_lazy("Verified by our staff"), {State.IN_VERIFICATION, State.AWAITING_SECOND_APPROVAL}),
    (gettext_lazy("Changed at the registry"), {State.EXECUTING}),
]


def _progress(cesja: Cesja) -> list[Step]:
    """Where the cesja stands, as a row of stages a party can read at a glance."""
    labels = [label for label, _states in _STAGES]
    if cesja.state == State.COMPLETED:
        return progress(labels, len(labels))
    current = next((i for i, (_label, states) in enumerate(_STAGES) if cesja.state in states), None)
    stopped = current is None
    if stopped:
        # Ended without success: the stage it had reached is where it stopped.
        if cesja.approved_at is not None:
            current = 3
        elif cesja.documents_received_at is not None:
            current = 2
        elif cesja.cedent_joined_at and cesja.cesjonariusz_joined_at:
            current = 1
        else:
            current = 0
    return progress(labels, current, stopped=stopped)


def _base_context(request: HttpRequest, cesja: Cesja) -> dict[str, Any]:
    sheet = selectors.verification_sheet(cesja)
    return {
        "cesja": cesja,
        "sheet": sheet,
        "parties": [
            (Side.CEDENT.label, sheet.parties[Side.CEDENT], cesja.cedent_account),
            (Side.CESJONARIUSZ.label, sheet.parties[Side.CESJONARIUSZ], cesja.cesjonariusz_account),
        ],
        "cesja_domains": list(cesja.items.all()),
        "tone": tone(cesja.state),
        "next_step": selectors.next_step(cesja, request.user),
        "timeline": selectors.timeline(cesja),
        "progress": _progress(cesja),
        "states": State,
        "document_states": DOCUMENT_STATES,
        "verification_states": VERIFICATION_STATES,
    }
