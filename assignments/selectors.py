"""Reading cesje for the pages: who may see which, the timeline, the next step, the
verification sheet and what is late."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.login_notes import LoginNote
from documents.models import GeneratedDocument, ReceivedDocument
from documents.services import parse_number
from workflows import sealing
from workflows.display import tone_map
from workflows.models import EventType
from workflows.paging import KeysFirst
from workflows.selectors import TimelineEntry, visible_to
from workflows.selectors import timeline as case_timeline

from .models import (
    RECEIVING,
    TERMINAL_STATES,
    VERIFICATION_STATES,
    Cesja,
    CesjaInvitation,
    ChecklistItem,
    ChecklistTick,
    Side,
    State,
)


def cesje_for_account(user) -> QuerySet[Cesja]:
    """Customers see the cesje they are a party to; back-office staff and auditors see all."""
    cesje = Cesja.objects.select_related(
        "cedent", "cesjonariusz", "cedent_account", "cesjonariusz_account", "policy"
    ).prefetch_related("items")
    return visible_to(user, cesje, Q(cedent_account=user) | Q(cesjonariusz_account=user))


def cesja_for_user(user, pk: int) -> Cesja:
    """The cesja, or 404 (also when it exists but is someone else's)."""
    return get_object_or_404(cesje_for_account(user), pk=pk)


def timeline(cesja: Cesja) -> list[TimelineEntry]:
    """Every recorded step of the cesja, oldest first, with time, actor, channel and reason."""
    # Who downloaded which copy is for the auditor's record of the cesja, not for its story.
    return case_timeline(cesja, leave_out=[EventType.DOCUMENT_DOWNLOADED])


def next_step(cesja: Cesja, user) -> str:
    """What ``user`` should do (or wait for) now, in plain words, in the active language."""
    side = cesja.side_of(user)
    staff = bool(getattr(user, "is_back_office", False))
    deadline = (
        formats.date_format(timezone.localtime(cesja.documents_deadline), "DATETIME_FORMAT")
        if cesja.documents_deadline
        else ""
    )
    state = cesja.state
    if state == State.AWAITING_PARTY:
        if side and side == cesja.waiting_for:
            return _("Join the cesja: choose the registrant profile it is for. Then the form is generated.")
        return _(
            "Waiting for the other party to join (invitation sent). Documents are due by %(deadline)s."
        ) % {"deadline": deadline}
    if state == State.AWAITING_DOCUMENTS:
        if staff and not side:
            return _("Waiting for the parties' signed form (due by %(deadline)s).") % {"deadline": deadline}
        return _(
            "Download the form, have it signed by both parties (for a firm: by the people who represent it), "
            "and upload the scan or send it to us by %(deadline)s."
        ) % {"deadline": deadline}
    if state == State.CORRECTION_REQUESTED:
        return _("Our staff ask for a correction: %(what)s Send the corrected documents by %(deadline)s.") % {
            "what": cesja.correction_request,
            "deadline": deadline,
        }
    if state == State.IN_VERIFICATION:
        if staff:
            return _(
                "Verify the documents against the checklist, then approve, reject or ask for a correction."
            )
        return _("Our staff are verifying the documents. You need not do anything; we will write to you.")
    if state == State.AWAITING_SECOND_APPROVAL:
        if staff:
            return _("A second member of staff (not the one who approved first) must approve.")
        return _("Our staff are verifying the documents. You need not do anything; we will write to you.")
    steps = {
        State.EXECUTING: _("Approved: the change of registrant is being carried out at the registry."),
        State.COMPLETED: _("Done: the domains have passed to the new registrant."),
        State.REJECTED: _("The cesja was rejected: %(why)s") % {"why": cesja.outcome_reason},
        State.CANCELLED: _("The cesja was cancelled."),
        State.EXPIRED: _(
            "The signed documents did not arrive in time. Start a new cesja if you still want it."
        ),
        State.FAILED: _("The registry refused the change: %(why)s Our staff will contact you.")
        % {"why": cesja.outcome_reason},
    }
    return str(steps.get(state, ""))


def overdue_verifications() -> QuerySet[Cesja]:
    """Cesje whose documents staff should have verified by now, the longest late first."""
    return (
        Cesja.objects.filter(state__in=VERIFICATION_STATES, verification_deadline__lt=timezone.now())
        .select_related("cedent", "cesjonariusz")
        .order_by("verification_deadline")
    )


@dataclass(frozen=True)
class VerificationSheet:
    """What staff see beside the scan: the data the form must show, the documents, the
    checklist of the current round and the approvals so far."""

    cesja: Cesja
    parties: dict[str, dict[str, Any]]
    current_form: GeneratedDocument | None
    forms: list[GeneratedDocument]
    documents: list[ReceivedDocument]
    checklist: list[tuple[str, str, Any]]
    approvals: list[Any]
    late: bool
    # One line per received document whose code says it is not the current form.
    code_warnings: list[str]
    # Both parties are known and the first form is being rendered in the background.
    form_pending: bool


def _party(registrant) -> dict[str, Any]:
    if registrant is None:
        return {}
    return {
        "name": registrant.display_name,
        "kind": registrant.get_kind_display(),
        "identifiers": registrant.identifiers,
        "legal_form": registrant.get_legal_form_display() if registrant.legal_form else "",
        "representation": registrant.get_representation_display() if registrant.representation else "",
        "representatives": [str(r) for r in registrant.representatives.all()],
        "address": registrant.address_lines,
    }


def checklist_state(cesja: Cesja) -> dict[str, ChecklistTick | None]:
    """The latest tick of each item that applies, in the current verification round."""
    state: dict[str, ChecklistTick | None] = dict.fromkeys(cesja.checklist_items())
    for tick in cesja.ticks.filter(round=cesja.verification_round).select_related("ticked_by").order_by("id"):
        if tick.item in state:
            state[tick.item] = tick
    return state


def code_warning(document: ReceivedDocument, current: GeneratedDocument | None) -> str:
    """What staff must know of a scan from its code ("" when it is the current form, or
    nothing was expected of it), in the active language."""
    if not document.code_flagged:
        return ""
    return str(_code_warning_text(document, current))


def _code_warning_text(document: ReceivedDocument, current: GeneratedDocument | None):
    number = document.code_number
    if document.code_check == ReceivedDocument.CodeCheck.OTHER_CASE:
        return _("The scan is the form of cesja %(case)s (%(number)s), not of this cesja.") % {
            "case": number.rsplit("/", 1)[0],
            "number": number,
        }
    if document.code_check == ReceivedDocument.CodeCheck.SUPERSEDED:
        return _(
            "The scan is version %(version)s of the form (%(number)s); the current version is %(current)s."
        ) % {
            "version": parse_number(number).version,
            "number": number,
            "current": current.version if current is not None else "?",
        }
    return _("No code could be read from the scan: check by eye that it is the current form of this cesja.")


def form_being_prepared(cesja: Cesja, form: GeneratedDocument | None) -> bool:
    """Whether the parties wait for the first form to be rendered (``form``: the current one)."""
    return (
        form is None
        and cesja.state in RECEIVING
        and cesja.cedent_id is not None
        and cesja.cesjonariusz_id is not None
    )


def verification_sheet(cesja: Cesja) -> VerificationSheet:
    forms = list(GeneratedDocument.objects.for_case(cesja).order_by("version"))
    ticks = checklist_state(cesja)
    current = next((f for f in forms if f.superseded_at is None), None)
    received = list(ReceivedDocument.objects.for_case(cesja).order_by("id"))
    for document in received:
        # Read by the list of documents beside each one: what its code says, if it matters.
        document.code_warning = code_warning(document, current)
    return VerificationSheet(
        cesja=cesja,
        parties={Side.CEDENT: _party(cesja.cedent), Side.CESJONARIUSZ: _party(cesja.cesjonariusz)},
        current_form=current,
        forms=forms,
        documents=received,
        code_warnings=[document.code_warning for document in received if document.code_warning],
        form_pending=form_being_prepared(cesja, current),
        checklist=[(code, str(ChecklistItem(code).label), tick) for code, tick in ticks.items()],
        approvals=list(cesja.approvals.filter(round=cesja.verification_round).select_related("approved_by")),
        late=cesja.verification_is_late,
    )


# --- the customer's list of cesje ------------------------------------------------------------


_CESJA_TONES = tone_map(
    warning=(State.AWAITING_PARTY, State.AWAITING_DOCUMENTS, State.CORRECTION_REQUESTED),
    info=(State.IN_VERIFICATION, State.AWAITING_SECOND_APPROVAL, State.EXECUTING),
)


def cesja_tone(state: str) -> str:
    """As for transfers: "warning" when a party must act, "info" while under way."""
    return _CESJA_TONES.get(state, "neutral")


@dataclass(frozen=True)
class CesjaRow:
    cesja: Cesja
    side: str
    tone: str
    next_step: str
    domains: list[str]


def customer_cesje(user) -> KeysFirst:
    """The cesje the customer is a party to, open ones first, then the newest; a page's keys
    are read first, then those cesje with their parties and domains."""
    keys = (
        visible_to(user, Cesja.objects.all(), Q(cedent_account=user) | Q(cesjonariusz_account=user))
        .annotate(
            is_closed=Case(
                When(state__in=sorted(TERMINAL_STATES), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("is_closed", "-created_at", "-id")
    )
    return KeysFirst(keys, cesje_for_account(user))


def cesja_rows(cesje, user) -> list[CesjaRow]:
    """Rows for the cesja table as ``user`` sees them: their side and their next step."""
    return [
        CesjaRow(
            cesja=cesja,
            side=cesja.side_of(user),
            tone=cesja_tone(cesja.state),
            next_step=next_step(cesja, user),
            domains=[item.display_name for item in cesja.items.all()],
        )
        for cesja in cesje
    ]


def invitation_by_token(token: str) -> CesjaInvitation | None:
    """The invitation a link's token opens, read by the digest it is stored under."""
    if not token or len(token) > 200:
        return None
    return (
        CesjaInvitation.objects.select_related("cesja", "cesja__cedent", "cesja__cesjonariusz")
        .filter(token_digest=sealing.token_digest(f"cesja:{token}"))
        .first()
    )


def invitation_login_note(token: str) -> LoginNote | None:
    """What the login page tells someone who follows an invitation link and must log in
    first: which cesja (its number and domains) waits for them. Nothing for a link that can no
    longer bring anyone in; the invitation page itself then says why."""
    found = invitation_by_token(token)
    if found is None or found.used_at is not None:
        return None
    cesja = found.cesja
    if cesja.state != State.AWAITING_PARTY or found.expires_at <= timezone.now():
        return None
    domains = ", ".join(item.display_name for item in cesja.items.all())
    return LoginNote(
        title=_("You are invited to cesja %(number)s: %(domains)s")
        % {"number": cesja.number, "domains": domains},
        lines=[
            _("Log in with the account of the address the invitation was sent to; the cesja opens next."),
        ],
    )
