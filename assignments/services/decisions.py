"""Staff verify a cesja: the checklist, the approval (by a second pair of eyes where the
policy asks), the rejection, the request for a correction; and either party's withdrawal."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from documents import services as documents
from documents.models import ReceivedDocument
from workflows.cases import now, when
from workflows.errors import Conflict, Refused
from workflows.history import history_text
from workflows.models import Channel

from .. import events
from ..kind import CESJE
from ..models import (
    CANCELLABLE,
    VERIFICATION_STATES,
    Approval,
    Cesja,
    CesjaInvitation,
    ChecklistItem,
    ChecklistTick,
    Side,
    State,
)
from ..selectors import checklist_state
from .forms import FORM_KIND, SIGNED_FORM
from .steps import (
    close_items,
    execute_at_registry,
    mail,
    require_domains_team,
    require_party_or_staff,
)


def tick_checklist(
    *, cesja: Cesja, item: str, checked: bool, note: str = "", actor, channel: str = Channel.WEB
) -> ChecklistTick:
    """Staff tick (or untick) one item of the verification checklist."""
    require_domains_team(actor, _("Only the domains team verifies a cesja."))
    if item not in ChecklistItem.values:
        raise Refused(_("No such checklist item."))
    with CESJE.step(cesja.pk) as current:
        if current.state not in VERIFICATION_STATES:
            raise CESJE.conflict(current)
        if item not in current.checklist_items():
            raise Refused(_("This checklist item does not apply to this cesja."))
        tick = ChecklistTick.objects.create(
            cesja=current,
            round=current.verification_round,
            item=item,
            checked=bool(checked),
            ticked_by=actor,
            note=note or "",
        )
        events.checklist_ticked(current, item, checked, note, actor=actor, channel=channel)
    return tick


def _ready_to_approve(cesja: Cesja) -> None:
    missing = [
        ChecklistItem(code).label
        for code, tick in checklist_state(cesja).items()
        if not (tick and tick.checked)
    ]
    if missing:
        raise Refused(
            _("Tick every checklist item before approving; missing: %(items)s.")
            % {"items": "; ".join(str(label) for label in missing)}
        )
    current = documents.current_form(cesja, FORM_KIND)
    signed = ReceivedDocument.objects.for_case(cesja).filter(kind=SIGNED_FORM, form=current)
    if current is None or not signed.exists():
        raise Refused(
            _("There is no signed copy of the current form (%(number)s) on file.")
            % {"number": current.number if current else "—"}
        )


def _new_contact_handle() -> str:
    # Registry contact IDs have 3 to 16 characters; chosen once, reused by every retry.
    return f"CS{secrets.token_hex(5).upper()}"


def approve_cesja(*, cesja: Cesja, actor, channel: str = Channel.WEB, note: str = "") -> Cesja:
    """Staff approve. Above the policy's threshold a second, different member of staff must
    approve too; the last approval sends the cesja to the registry."""
    require_domains_team(actor, _("Only the domains team approves a cesja."))
    with CESJE.step(cesja.pk) as current:
        if current.state not in VERIFICATION_STATES:
            raise CESJE.conflict(current)
        _ready_to_approve(current)
        earlier = list(
            current.approvals.filter(round=current.verification_round).select_related("approved_by")
        )
        if any(a.approved_by_id == actor.pk for a in earlier):
            raise Refused(_("A second approval must come from another member of staff."))
        Approval.objects.create(cesja=current, round=current.verification_round, approved_by=actor, note=note)
        second_needed = current.policy.needs_second_approval(current.domain_names())
        if current.state == State.IN_VERIFICATION and second_needed:
            before = CESJE.move(current, "first_approval")
            current.save()
            events.state_changed(
                current,
                _("Cesja %(number)s approved by %(user)s; a second member of staff must approve it too."),
                actor=actor,
                channel=channel,
                reason=note or _("The documents were verified; the policy asks for a second approval."),
                before=before,
                data={"approval": 1, "round": current.verification_round},
                user=actor.get_username(),
            )
            return current
        before = CESJE.move(current, "approve")
        if not current.cesjonariusz.registry_handle and not current.contact_handle:
            current.contact_handle = _new_contact_handle()
        current.registry_answered()
        current.save()
        events.state_changed(
            current,
            _("Cesja %(number)s approved by %(user)s; the change of registrant goes to the registry."),
            actor=actor,
            channel=channel,
            reason=note or _("The documents were verified."),
            before=before,
            data={
                "approval": len(earlier) + 1,
                "round": current.verification_round,
                "approved_by": [a.approved_by.get_username() for a in earlier] + [actor.get_username()],
            },
            user=actor.get_username(),
        )
        mail(current, "approved")
        execute_at_registry(current)
    return current


def _reasons_text(reasons: str | Sequence[str]) -> str:
    if isinstance(reasons, str):
        return reasons.strip()
    return "\n".join(str(r).strip() for r in reasons if str(r).strip())


def reject_cesja(*, cesja: Cesja, reasons: str | Sequence[str], actor, channel: str = Channel.WEB) -> Cesja:
    """Staff refuse the cesja on the documents; the parties read why."""
    require_domains_team(actor, _("Only the domains team rejects a cesja."))
    text = _reasons_text(reasons)
    if not text:
        raise Refused(_("Say why the cesja is rejected; the parties will read it."))
    with CESJE.step(cesja.pk) as current:
        before = CESJE.move(current, "reject")
        current.outcome_reason = text
        current.save()
        close_items(current)
        events.state_changed(
            current,
            _("Cesja %(number)s rejected by %(user)s."),
            actor=actor,
            channel=channel,
            reason=text,
            before=before,
            user=actor.get_username(),
        )
        mail(current, "rejected", reasons=text)
    return current


def request_correction(*, cesja: Cesja, what_to_fix: str, actor, channel: str = Channel.WEB) -> Cesja:
    """Staff tell the parties exactly what to fix; they upload again (or correct their data,
    which issues a new form). They get at least the policy's correction period."""
    require_domains_team(actor, _("Only the domains team asks for a correction."))
    text = (what_to_fix or "").strip()
    if not text:
        raise Refused(_("Say exactly what the parties must fix."))
    with CESJE.step(cesja.pk) as current:
        before = CESJE.move(current, "ask_for_correction")
        current.correction_request = text
        current.documents_deadline = max(
            current.documents_deadline or now(), now() + current.policy.correction_period
        )
        current.reminders_sent = []
        current.save()
        CesjaInvitation.objects.filter(cesja=current, used_at__isnull=True).update(
            expires_at=current.documents_deadline
        )
        events.state_changed(
            current,
            _("Correction of cesja %(number)s requested by %(user)s; documents due by %(deadline)s."),
            actor=actor,
            channel=channel,
            reason=text,
            before=before,
            data={"documents_deadline": current.documents_deadline, "round": current.verification_round},
            user=actor.get_username(),
            deadline=when(current.documents_deadline),
        )
        mail(current, "correction", what_to_fix=text)
    return current


def cancel_cesja(*, cesja: Cesja, actor, channel: str = Channel.WEB, reason: str = "") -> Cesja:
    """Either party (or staff for them) withdraws, until the cesja is approved."""
    side = require_party_or_staff(cesja, actor, _("Only a party to this cesja can cancel it."))
    with CESJE.step(cesja.pk) as current:
        if current.state not in CANCELLABLE:
            if current.state == State.EXECUTING or current.approved_at is not None:
                raise Conflict(
                    _("The cesja has been approved and is being carried out; it can no longer be cancelled.")
                )
            raise CESJE.conflict(current)
        before = CESJE.move(current, "cancel")
        current.outcome_reason = reason
        current.save()
        close_items(current)
        who = Side(side).label if side else _("our staff")
        events.state_changed(
            current,
            _("Cesja %(number)s cancelled by the %(who)s."),
            actor=actor,
            channel=channel,
            reason=reason or history_text(_("Withdrawn by %(who)s."), who=who),
            before=before,
            data={"side": side or "staff"},
            who=who,
        )
        mail(current, "cancelled", who=side or "staff", why=reason)
    return current
