"""Every history event a cesja writes, one named function each, so that what the log says of
a cesja can be read in one place. Each is called inside the step's transaction (see
``workflows.cases``); the words are the product's own language (``history_text``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant
from documents.models import GeneratedDocument, ReceivedDocument
from registry.gateway import CommandResult
from registry.models import Domain
from workflows.history import history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent

from .kind import CESJE
from .models import Cesja, CesjaDomain, CesjaInvitation, ChecklistItem


def state_changed(cesja: Cesja, summary: Any, **details: Any) -> HistoryEvent:
    """A step of the cesja's state machine; ``details`` as ``CaseKind.record`` takes them."""
    return CESJE.record(cesja, summary, **details)


def form_generated(
    cesja: Cesja,
    form: GeneratedDocument,
    previous: GeneratedDocument | None,
    *,
    actor: Any,
    channel: str,
    reason: Any,
    before: str | None,
) -> HistoryEvent:
    return CESJE.record(
        cesja,
        _("Cesja form %(form)s (version %(version)s) generated for %(domains)s."),
        event_type=EventType.CESJA_FORM_GENERATED,
        actor=actor,
        channel=channel,
        reason=reason,
        before=before,
        data={
            "document_number": form.number,
            "version": form.version,
            "sha256": form.sha256,
            "language": form.language,
            "superseded": previous.number if previous else None,
            "superseded_sha256": previous.sha256 if previous else None,
        },
        form=form.number,
        version=form.version,
    )


def document_received(
    cesja: Cesja,
    document: ReceivedDocument,
    *,
    form: GeneratedDocument | None,
    received_by: Any,
    actor: Any,
    channel: str,
    note: str,
    before: str,
    warning: str = "",
) -> HistoryEvent:
    signed_form = document.kind == ReceivedDocument.Kind.SIGNED_FORM
    reason = note or (
        _("The signed form, for verification.") if signed_form else _("A document supporting the cesja.")
    )
    if warning:
        # What its code says is on record with it: staff decided knowing it.
        reason = f"{history_text(reason)} {warning}"
    return CESJE.record(
        cesja,
        _("%(kind)s for cesja %(number)s received through %(via)s (%(name)s)."),
        event_type=EventType.CESJA_DOCUMENT_RECEIVED,
        actor=actor,
        channel=channel,
        reason=reason,
        before=before,
        data={
            "document": document.pk,
            "kind": document.kind,
            "sha256": document.sha256,
            "original_sha256": document.original_sha256,
            "size": document.size,
            "pages": document.pages,
            "content_type": document.content_type,
            "form_number": form.number if form else None,
            "code_number": document.code_number,
            "code_check": document.code_check,
            "received_on": document.received_on,
            "received_by": received_by.get_username() if received_by else None,
            "verification_round": cesja.verification_round,
        },
        kind=ReceivedDocument.Kind(document.kind).label,
        via=Channel(channel).label,
        name=document.original_name,
    )


def checklist_ticked(
    cesja: Cesja, item: str, checked: bool, note: str, *, actor: Any, channel: str
) -> HistoryEvent:
    return CESJE.record(
        cesja,
        _("Checklist of cesja %(number)s: “%(item)s” %(mark)s."),
        event_type=EventType.CESJA_CHECKLIST,
        actor=actor,
        channel=channel,
        reason=note or (_("Checked against the documents.") if checked else _("Not confirmed.")),
        data={"item": item, "checked": bool(checked), "round": cesja.verification_round},
        item=ChecklistItem(item).label,
        mark=_("ticked") if checked else _("unticked"),
    )


def invitation_accepted(
    cesja: Cesja, invitation: CesjaInvitation, *, actor: Any, channel: str
) -> HistoryEvent:
    return CESJE.record(
        cesja,
        _("The invitation to cesja %(number)s sent to %(email)s was accepted by %(user)s."),
        event_type=EventType.CESJA_PARTY_CHANGED,
        actor=actor,
        channel=channel,
        reason=_("The invited party followed the link from the e-mail."),
        data={"side": invitation.side, "invitation": invitation.pk},
        email=invitation.email,
        user=actor.get_username(),
    )


def reminder_sent(cesja: Cesja, days: int, deadline_text: str) -> HistoryEvent:
    return CESJE.record(
        cesja,
        _("Reminder sent to the parties of cesja %(number)s: documents due by %(deadline)s."),
        event_type=EventType.CESJA_REMINDER,
        reason=history_text(_("%(days)s days before the documents deadline."), days=days),
        data={"days_before": days, "documents_deadline": cesja.documents_deadline},
        deadline=deadline_text,
    )


def _step_data(result: CommandResult) -> dict[str, Any]:
    record = result.record
    return {
        "command": record.command,
        "object": record.object_name,
        "cl_trid": record.cl_trid,
        "sv_trid": record.sv_trid,
        "replayed": result.replayed,
    }


def contact_created(cesja: Cesja, registrant: Registrant, handle: str, result: CommandResult) -> HistoryEvent:
    return CESJE.record(
        cesja,
        _("Registry contact %(handle)s created for %(party)s (cesja %(number)s), clTRID %(cl_trid)s."),
        event_type=EventType.CESJA_REGISTRY_STEP,
        reason=_("The new registrant needs a contact at the registry."),
        data={**_step_data(result), "registrant": registrant.pk, "handle": handle},
        handle=handle,
        party=registrant.display_name,
        cl_trid=result.record.cl_trid,
    )


def registrant_changed_at_registry(
    cesja: Cesja, item: CesjaDomain, handle: str, result: CommandResult
) -> HistoryEvent:
    return CESJE.record(
        cesja,
        _(
            "The registrant of %(domain)s changed to %(handle)s at the registry "
            "(cesja %(number)s), clTRID %(cl_trid)s."
        ),
        event_type=EventType.CESJA_REGISTRY_STEP,
        reason=_("The cesja was approved."),
        data={**_step_data(result), "domain": item.domain_name, "handle": handle},
        domain=item.display_name,
        handle=handle,
        cl_trid=result.record.cl_trid,
    )


def domain_passed(
    cesja: Cesja, domain: Domain, item: CesjaDomain, *, old_registrant: int | None, handle: str
) -> HistoryEvent:
    """The domain's own event: it has a new registrant (in the cesja's completing step)."""
    new_holder = cesja.cesjonariusz
    return record_event(
        event_type=EventType.DOMAIN_UPDATED,
        summary=history_text(
            _("%(domain)s passed to %(party)s by cesja %(number)s."),
            domain=domain.display_name,
            party=new_holder.display_name,
            number=cesja.number,
        ),
        channel=Channel.SYSTEM,
        subject=domain,
        domain_name=domain.name,
        reason=history_text(_("Cesja %(number)s was carried out at the registry."), number=cesja.number),
        changes={"registrant": [old_registrant, new_holder.pk]},
        data={"cesja": cesja.number, "cl_trid": item.cl_trid, "registry_handle": handle},
    )
