"""The cesja form: its numbered versions, a new one whenever the parties' data changes, and
corrections of a party's data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant, Representative
from accounts.services import REGISTRANT_FIELDS, record_registrant_change, registrant_snapshot
from documents import services as documents
from documents.cesja_form import CesjaFormData, Party, for_issue
from documents.models import GeneratedDocument, ReceivedDocument
from workflows import outbox
from workflows.cases import is_staff
from workflows.errors import Refused
from workflows.history import history_text
from workflows.models import Channel

from .. import emails, events
from ..kind import CESJE
from ..models import RECEIVING, Cesja, Reason, Side, State
from .checks import check_party
from .steps import mail, require_party_or_staff

FORM_KIND = GeneratedDocument.Kind.CESJA_DECLARATION
SIGNED_FORM = ReceivedDocument.Kind.SIGNED_FORM


def party_digest(cesja: Cesja) -> str:
    """What the current form says of the parties and domains; a change means a new version."""
    parts = {
        "cedent": registrant_snapshot(cesja.cedent),
        "cesjonariusz": registrant_snapshot(cesja.cesjonariusz),
        "domains": cesja.domain_names(),
        "reason": [cesja.reason, cesja.reason_details],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def form_data(cesja: Cesja) -> CesjaFormData:
    """What the form prints. Words of ours stay lazy, so that they come out in the language
    the form is rendered in, never in that of whoever's action issued it."""
    reason = Reason(cesja.reason).label
    return CesjaFormData(
        case_id=cesja.pk,
        case_url=emails.staff_url(cesja),
        cedent=Party.from_registrant(cesja.cedent),
        cesjonariusz=Party.from_registrant(cesja.cesjonariusz),
        domains=[item.display_name for item in cesja.items.all()],
        reason=format_lazy("{}: {}", reason, cesja.reason_details) if cesja.reason_details else reason,
        upload_url=emails.upload_url(cesja),
    )


def issue_form(
    cesja: Cesja, *, actor, channel: str, reason: Any, before: str | None = None
) -> GeneratedDocument:
    """A new form version, inside the caller's transaction with the cesja locked, with its
    event; the parties are mailed the link after commit."""
    # The case's language, whoever acts: a party whose panel is in English joining a Polish
    # cesja must not put English words on the Polish form.
    with translation.override(cesja.language):
        form = documents.issue_form_version(
            case=cesja,
            kind=FORM_KIND,
            render=for_issue(form_data(cesja), cesja.language),
            language=cesja.language,
            actor=actor,
            number_prefix="CES",
        )
    previous = documents.previous_version(form)
    cesja.form_digest = party_digest(cesja)
    Cesja.objects.filter(pk=cesja.pk).update(form_digest=cesja.form_digest)
    events.form_generated(cesja, form, previous, actor=actor, channel=channel, reason=reason, before=before)
    mail(cesja, "form_ready", form_number=form.number)
    return form


def issue_form_later(cesja: Cesja, *, actor, channel: str) -> None:
    """Ask for the first form in the caller's transaction; it is rendered in the background
    (``consequences.issue_form``), and the pages say it is being prepared until then."""
    outbox.emit(
        "assignments.issue_form",
        {"cesja": cesja.pk, "actor": actor.pk if actor is not None else None, "channel": channel},
        case=cesja,
    )


def issue_awaited_form(
    cesja_id: int, *, actor=None, channel: str = Channel.SYSTEM
) -> GeneratedDocument | None:
    """The form asked for by :func:`issue_form_later`, unless the cesja has one that says what
    it must already (a message delivered twice, or a profile edit that issued it first) or
    has ended meanwhile."""
    with CESJE.step(cesja_id) as current:
        if current.state not in RECEIVING or current.cedent_id is None or current.cesjonariusz_id is None:
            return None
        if documents.current_form(current, FORM_KIND) is not None and not _form_is_stale(current):
            return None
        return issue_form(
            current, actor=actor, channel=channel, reason=_("Both parties are known."), before=current.state
        )


def regenerate_form(*, cesja: Cesja, actor, channel: str, language: str | None = None) -> GeneratedDocument:
    """A new version of the form (another language, corrected data). Earlier versions stay,
    superseded; a cesja whose signed copy was being checked waits for the new one signed."""
    require_party_or_staff(cesja, actor, _("Only the parties to this cesja can have its form generated."))
    if language is not None and language not in emails.LANGUAGES:
        raise Refused(_("The form is available in Polish and English."))
    with CESJE.step(cesja.pk) as current:
        if current.cedent_id is None or current.cesjonariusz_id is None:
            raise Refused(_("The form is generated once both parties have joined."))
        if current.state not in RECEIVING:
            raise CESJE.conflict(current)
        before = current.state
        if language is not None:
            current.language = language
        if current.state != State.AWAITING_DOCUMENTS:
            current.new_form_version()
        current.save()
        form = issue_form(
            current,
            actor=actor,
            channel=channel,
            reason=_("A new version of the form was asked for."),
            before=before,
        )
    return form


def current_form(cesja: Cesja) -> GeneratedDocument | None:
    """The form version the parties must sign now."""
    return documents.current_form(cesja, FORM_KIND)


def _form_is_stale(cesja: Cesja) -> bool:
    return cesja.form_digest != party_digest(cesja)


def refresh_forms_of(
    registrant_id: int, *, actor=None, channel: str = Channel.SYSTEM
) -> list[GeneratedDocument]:
    """A party edited their profile: every open cesja they are in before approval gets a
    new form version with the data as it now stands (nothing when the form already says it)."""
    issued = []
    ids = Cesja.objects.filter(
        Q(cedent_id=registrant_id) | Q(cesjonariusz_id=registrant_id), state__in=RECEIVING
    ).values_list("pk", flat=True)
    for pk in ids:
        with CESJE.step(pk) as current:
            if current.state not in RECEIVING or not _form_is_stale(current):
                continue
            before = current.state
            if current.state != State.AWAITING_DOCUMENTS:
                current.new_form_version()
            current.save()
            issued.append(
                issue_form(
                    current,
                    actor=actor,
                    channel=channel,
                    reason=_("A party's profile was changed; the form must show the data as it now stands."),
                    before=before,
                )
            )
    return issued


# What a party may correct of their data: the profile's fields but its kind (person or firm).
PARTY_FIELDS = tuple(field for field in REGISTRANT_FIELDS if field != "kind")


def update_party(
    *,
    cesja: Cesja,
    side: str,
    registrant_data: dict[str, Any],
    representatives: Sequence[dict[str, str]] | None = None,
    actor,
    channel: str,
) -> GeneratedDocument:
    """Correct a party's data (their registrant profile) and issue the form again. Only
    that party, or staff for them; never after approval."""
    if side not in Side.values:
        raise Refused(_("Say whose data is corrected: the cedent's or the cesjonariusz's."))
    if not (is_staff(actor) or cesja.acts_for(actor, side)):
        raise Refused(_("Only the party themselves (or our staff) can correct their data."))
    unknown = set(registrant_data) - set(PARTY_FIELDS)
    if unknown:
        raise Refused(
            _("These data cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    with CESJE.step(cesja.pk) as current:
        if current.state not in RECEIVING:
            raise CESJE.conflict(current)
        registrant = current.cedent if side == Side.CEDENT else current.cesjonariusz
        if registrant is None:
            raise Refused(_("That party has not joined yet."))
        registrant = Registrant.objects.select_for_update().get(pk=registrant.pk)
        before_profile = registrant_snapshot(registrant)
        for field, value in registrant_data.items():
            setattr(registrant, field, value)
        try:
            registrant.full_clean(exclude=["account"])
        except ValidationError as exc:
            raise Refused(" ".join(exc.messages)) from None
        registrant.save()
        if representatives is not None:
            registrant.representatives.all().delete()
            for person in representatives:
                rep = Representative(registrant=registrant, **person)
                try:
                    rep.full_clean(exclude=["registrant"])
                except ValidationError as exc:
                    raise Refused(" ".join(exc.messages)) from None
                rep.save()
        check_party(registrant, side)
        # The profile's own event, as for any profile change, then the form's.
        record_registrant_change(registrant, before=before_profile, actor=actor, channel=channel)
        if side == Side.CEDENT:
            current.cedent = registrant
        else:
            current.cesjonariusz = registrant
        before = current.state
        if current.state != State.AWAITING_DOCUMENTS:
            current.new_form_version()
        current.save()
        form = issue_form(
            current,
            actor=actor,
            channel=channel,
            reason=history_text(_("The data of the %(side)s was corrected."), side=Side(side).label),
            before=before,
        )
    return form
