"""Documents of a cesja: the signed form and supporting papers, uploaded by a party or
registered by staff when they came by post, fax or in person."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from documents import services as documents
from documents.codes import FormReading
from documents.models import GeneratedDocument, ReceivedDocument
from workflows.errors import Refused
from workflows.models import Channel

from .. import events
from ..kind import CESJE
from ..models import RECEIVING, Cesja, State
from ..selectors import code_warning
from .forms import FORM_KIND, SIGNED_FORM
from .steps import require_domains_team

PAPER_CHANNELS = (Channel.POST, Channel.FAX, Channel.IN_PERSON)
CodeCheck = ReceivedDocument.CodeCheck


def _refuse_foreign_scan(cesja: Cesja, reading: FormReading) -> None:
    """An upload is refused when its code says it is another case's form or an earlier
    version: the customer can send the right one at once, and staff never see the wrong one."""
    if reading.check == CodeCheck.OTHER_CASE:
        raise Refused(
            _(
                "This is the form of cesja %(case)s, not of this cesja. "
                "Upload the signed form of cesja %(this)s."
            )
            % {"case": reading.case_number, "this": cesja.number}
        )
    if reading.check == CodeCheck.SUPERSEDED and reading.form is not None:
        raise Refused(
            _(
                "This is version %(version)s of the form; the current version is %(current)s. "
                "Print and sign the current one."
            )
            % {
                "version": reading.form.version,
                "current": reading.current.version if reading.current is not None else "?",
            }
        )


def _form_for_copy(cesja: Cesja, form_number: str | None) -> GeneratedDocument:
    """The current form a signed copy is of; a superseded or foreign number is refused."""
    current = documents.current_form(cesja, FORM_KIND)
    if current is None:
        raise Refused(_("The form has not been generated yet."))
    if not form_number:
        return current
    try:
        form = documents.form_for_signed_copy(form_number)
    except documents.FormSuperseded as exc:
        raise Refused(
            _(
                "Form %(old)s has been replaced by version %(new)s after the parties' data was corrected; "
                "only a signed copy of %(new)s is accepted."
            )
            % {"old": exc.form.number, "new": current.number}
        ) from None
    except documents.FormNotFound:
        form = None
    if form is None or form.pk != current.pk:
        raise Refused(
            _("%(number)s is not a form of this cesja; its current form is %(current)s.")
            % {"number": form_number, "current": current.number}
        )
    return form


def _receive(
    *,
    cesja: Cesja,
    uploaded_file,
    kind: str,
    channel: str,
    actor,
    form_number: str | None,
    received_on: date | None,
    received_by,
    note: str,
) -> ReceivedDocument:
    from documents.intake import receive_document
    from documents.sanitize import DocumentRefused

    if kind not in ReceivedDocument.Kind.values:
        raise Refused(_("Say what the document is."))
    paper = channel in PAPER_CHANNELS
    with CESJE.step(cesja.pk) as current:
        if current.state not in RECEIVING:
            raise CESJE.conflict(current)
        form = _form_for_copy(current, form_number) if kind == SIGNED_FORM else None
        try:
            document = receive_document(
                case=current,
                kind=kind,
                uploaded_file=uploaded_file,
                channel=channel,
                uploaded_by=actor,
                received_on=received_on,
                received_by=received_by,
                form=form,
                note=note,
                form_kind=FORM_KIND,
                # Paper is already here: it is taken in and flagged for staff, not refused.
                check_reading=None if paper else lambda reading: _refuse_foreign_scan(current, reading),
            )
        except DocumentRefused as exc:
            raise Refused(exc.message if hasattr(exc, "message") else str(exc)) from None
        before = current.state
        moved = kind == SIGNED_FORM and current.state in (
            State.AWAITING_DOCUMENTS,
            State.CORRECTION_REQUESTED,
        )
        if moved:
            current.documents_arrived()
            current.save()
        with translation.override(settings.LANGUAGE_CODE):
            # The product's own language, as every history text (history_text).
            warning = code_warning(document, documents.current_form(current, FORM_KIND))
        events.document_received(
            current,
            document,
            form=form,
            received_by=received_by,
            actor=actor,
            channel=channel,
            note=note,
            before=before,
            warning=warning,
        )
    return document


def submit_signed_document(
    *,
    cesja: Cesja,
    uploaded_file,
    kind: str,
    actor,
    channel: str = Channel.WEB,
    form_number: str | None = None,
) -> ReceivedDocument:
    """A party uploads a scan or photo (the signed form, a KRS extract, a power of attorney).
    The first signed copy of the current form puts the cesja before staff."""
    if not cesja.side_of(actor):
        raise Refused(_("Only the parties to this cesja can upload its documents."))
    return _receive(
        cesja=cesja,
        uploaded_file=uploaded_file,
        kind=kind,
        channel=channel,
        actor=actor,
        form_number=form_number,
        received_on=None,
        received_by=None,
        note="",
    )


def register_paper_document(
    *,
    cesja: Cesja,
    uploaded_file,
    kind: str,
    channel: str,
    received_on: date,
    received_by,
    actor,
    form_number: str | None = None,
    note: str = "",
) -> ReceivedDocument:
    """Staff register what came by post, fax or in person, with its scan."""
    require_domains_team(actor, _("Only the domains team registers documents that came on paper."))
    if channel not in PAPER_CHANNELS:
        raise Refused(_("Paper documents come by post, by fax or in person."))
    if received_on is None or received_on > timezone.localdate():
        raise Refused(_("Enter the day the document arrived."))
    if received_by is None:
        raise Refused(_("Say who received the document."))
    return _receive(
        cesja=cesja,
        uploaded_file=uploaded_file,
        kind=kind,
        channel=channel,
        actor=actor,
        form_number=form_number,
        received_on=received_on,
        received_by=received_by,
        note=note,
    )
