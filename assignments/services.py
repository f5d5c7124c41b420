"""What customers, staff and background jobs do with a cesja.

Every service that changes a cesja locks its row (``select_for_update``) inside one
transaction, checks the state again under the lock, runs the FSM transition, saves, writes
exactly one history event for the step, and leaves registry work and e-mail to
``transaction.on_commit``, so that nothing is sent for a change that was rolled back. A
caller that lost a race gets ``CesjaConflict`` saying who got there first; a request the
rules do not allow gets ``CesjaRefused`` with a sentence for the customer.

Registry commands are never sent inside a transaction (the gateway commits its own record
first): ``execute_cesja`` sends each command, then records its answer under the lock.

Every event carries the actor (or "system"), the channel and a reason: the words of the
person who acted where there are some, otherwise why the step happened.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant, Representative
from accounts.services import record_registrant_change, registrant_snapshot
from documents import services as documents
from documents.cesja_form import CesjaFormData, Party, for_issue
from documents.models import GeneratedDocument, ReceivedDocument
from registry.epp.data import ContactData
from registry.epp.results import EppError, RegistryUnavailable
from registry.gateway import CommandResult, RegistryGateway
from registry.messages import message_for
from registry.models import Domain
from registry.tasks import retry_delay
from transfers.models import Transfer
from workflows import sealing
from workflows.history import history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Role, team_permission

from . import emails
from .models import (
    CANCELLABLE,
    DOCUMENT_STATES,
    RECEIVING,
    VERIFICATION_STATES,
    Approval,
    Cesja,
    CesjaDomain,
    CesjaInvitation,
    CesjaPolicy,
    ChecklistItem,
    ChecklistTick,
    DomainDispute,
    Reason,
    Side,
    State,
)

logger = logging.getLogger(__name__)

FORM_KIND = GeneratedDocument.Kind.CESJA_DECLARATION
SIGNED_FORM = ReceivedDocument.Kind.SIGNED_FORM
PAPER_CHANNELS = (Channel.POST, Channel.FAX, Channel.IN_PERSON)
# A registry contact's phone, as EPP carries it (RFC 5733 e164): +CC.NUMBER
EPP_PHONE = re.compile(r"^\+\d{1,3}\.\d{1,14}$")


class CesjaRefused(Exception):
    """The rules do not allow this; ``message`` says why in words for the customer."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class CesjaConflict(CesjaRefused):
    """Someone else changed the cesja first."""


# ---------------------------------------------------------------------- small helpers


def _now() -> datetime:
    return timezone.now()


def _when(moment: datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def _is_staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_back_office", False))


def _is_domains_team(user) -> bool:
    return _is_staff(user) and user.has_perm(team_permission("domains"))


def _gateway() -> RegistryGateway:
    return RegistryGateway.from_settings()


def _locked(pk: int) -> Cesja:
    # OF self: the joined rows are only read, and PostgreSQL cannot lock a nullable outer join.
    rows = Cesja.objects.select_for_update(of=("self",)).select_related(
        "policy", "cedent", "cesjonariusz", "cedent_account", "cesjonariusz_account"
    )
    return rows.get(pk=pk)


def _fresh(pk: int) -> Cesja:
    return Cesja.objects.select_related(
        "policy", "cedent", "cesjonariusz", "cedent_account", "cesjonariusz_account"
    ).get(pk=pk)


def _domains_text(cesja: Cesja) -> str:
    return ", ".join(item.display_name for item in cesja.items.all())


def _record(
    cesja: Cesja,
    summary: Any,
    *,
    event_type: str = EventType.CESJA_STATE_CHANGED,
    actor=None,
    actor_label: str = "",
    channel: str = Channel.SYSTEM,
    reason: Any,
    before: str | None = None,
    changes: dict | None = None,
    data: dict | None = None,
    **params: Any,
) -> HistoryEvent:
    names = cesja.domain_names()
    all_changes = dict(changes or {})
    if before is not None and before != cesja.state:
        all_changes["state"] = [before or None, cesja.state]
    return record_event(
        event_type=event_type,
        summary=history_text(summary, number=cesja.number, domains=", ".join(names), **params),
        actor=actor,
        actor_label=actor_label,
        channel=channel if actor is not None or actor_label else Channel.SYSTEM,
        subject=cesja,
        # One domain names the event for a search by domain; several are in its data.
        domain_name=names[0] if len(names) == 1 else "",
        reason=history_text(reason),
        changes=all_changes,
        data={
            "cesja": cesja.number,
            "domains": names,
            "policy_version": cesja.policy.version,
            **(data or {}),
        },
    )


def conflict_for(cesja: Cesja) -> CesjaConflict:
    """ "This cesja was already moved on by … at …", from the event that moved it last."""
    last = HistoryEvent.objects.for_object(cesja).filter(changes__has_key="state").order_by("-id").first()
    if last is None:
        return CesjaConflict(
            _("This cesja is now %(state)s; it cannot be changed that way.")
            % {"state": cesja.get_state_display()}
        )
    return CesjaConflict(
        _("This cesja was already moved on (now: %(state)s) by %(actor)s at %(time)s.")
        % {"state": cesja.get_state_display(), "actor": last.actor_label, "time": _when(last.occurred_at)}
    )


def _after_commit(*callbacks: Callable[[], None]) -> None:
    for callback in callbacks:
        transaction.on_commit(callback)


def _advance_flow(cesja_id: int) -> Callable[[], None]:
    def run() -> None:
        from .flows import sync_flow

        sync_flow(cesja_id)

    return run


def _start_flow(cesja_id: int) -> Callable[[], None]:
    def run() -> None:
        from .flows import start_flow

        start_flow(cesja_id)

    return run


def _enqueue_execution(cesja_id: int) -> Callable[[], None]:
    def run() -> None:
        from . import tasks

        # Only the id travels to the broker.
        tasks.execute_cesja.delay(cesja_id)

    return run


def _mail(cesja_id: int, kind: str, **extra: Any) -> Callable[[], None]:
    def run() -> None:
        emails.to_parties(_fresh(cesja_id), kind, **extra)

    return run


def _can(method) -> bool:
    from django_fsm import can_proceed

    return can_proceed(method)


def _move(cesja: Cesja, move: str) -> str:
    """Run transition ``move`` on the locked ``cesja``; returns the state before."""
    method = getattr(cesja, move)
    if not _can(method):
        raise conflict_for(cesja)
    before = cesja.state
    method()
    return before


def _close_items(cesja: Cesja) -> None:
    """An ended cesja no longer holds its domains: another may start."""
    CesjaDomain.objects.filter(cesja=cesja, active=True).update(active=False)
    CesjaInvitation.objects.filter(cesja=cesja, used_at__isnull=True).update(expires_at=_now())


def _side_account(cesja: Cesja, side: str):
    return cesja.cedent_account if side == Side.CEDENT else cesja.cesjonariusz_account


def _require_party_or_staff(cesja: Cesja, actor, message: Any) -> str:
    """The actor's side ("" for staff), or CesjaRefused."""
    side = cesja.side_of(actor)
    if side or _is_staff(actor):
        return side
    raise CesjaRefused(message)


def _require_domains_team(actor, message: Any) -> None:
    if not _is_domains_team(actor):
        raise CesjaRefused(message)


# ---------------------------------------------------------------------- checks


def _as_domains(domains: Iterable[Domain | str]) -> list[Domain]:
    found: list[Domain] = []
    for entry in domains:
        if isinstance(entry, Domain):
            domain = Domain.objects.select_related("sponsor", "registrant").get(pk=entry.pk)
        else:
            name = (entry or "").strip().lower()
            domain = Domain.objects.select_related("sponsor", "registrant").filter(name=name).first()
            if domain is None:
                try:
                    from registry.names import parse_domain_name

                    name = parse_domain_name(name).ascii
                except ValidationError:
                    raise CesjaRefused(_("“%(name)s” is not a domain name.") % {"name": entry}) from None
                domain = Domain.objects.select_related("sponsor", "registrant").filter(name=name).first()
            if domain is None:
                raise CesjaRefused(_("%(domain)s is not held with us.") % {"domain": entry})
        if domain.pk not in {d.pk for d in found}:
            found.append(domain)
    if not found:
        raise CesjaRefused(_("Choose at least one domain."))
    return found


def _check_domains(domains: Sequence[Domain], cedent: Registrant) -> None:
    """Every domain may change hands now, or CesjaRefused naming the first that may not."""
    for domain in domains:
        name = domain.display_name
        if not domain.sponsor.is_us:
            raise CesjaRefused(_("%(domain)s is not held with us.") % {"domain": name})
        if domain.registrant_id != cedent.pk:
            raise CesjaRefused(
                _("%(domain)s is not held by %(cedent)s; only its registrant can hand it over.")
                % {"domain": name, "cedent": cedent.display_name}
            )
        if domain.is_expired:
            raise CesjaRefused(_("%(domain)s has expired. Renew it first.") % {"domain": name})
        if "pendingDelete" in (domain.statuses or []):
            raise CesjaRefused(_("%(domain)s is being deleted.") % {"domain": name})
        if Transfer.objects.open().filter(domain_name=domain.name).exists():
            raise CesjaRefused(
                _("A transfer of %(domain)s is in progress; a cesja can start once it has ended.")
                % {"domain": name}
            )
        if CesjaDomain.objects.filter(domain=domain, active=True).exists():
            raise CesjaRefused(_("%(domain)s is already in an open cesja.") % {"domain": name})
        if DomainDispute.objects.filter(domain=domain, closed_at__isnull=True).exists():
            raise CesjaRefused(
                _("%(domain)s is subject to a dispute; its registrant cannot change until it is resolved.")
                % {"domain": name}
            )


def _check_party(registrant: Registrant, side: str) -> None:
    """The party's identifiers are valid and an organisation names who represents it."""
    label = Side(side).label
    try:
        # On a copy: clean() writes the compact identifiers back.
        copy.copy(registrant).clean()
    except ValidationError as exc:
        raise CesjaRefused(
            _("The data of the %(side)s is not complete or not valid: %(problems)s")
            % {"side": label, "problems": " ".join(exc.messages)}
        ) from None
    if registrant.kind == Registrant.Kind.ORGANISATION:
        count = registrant.representatives.count()
        needed = 1 if registrant.representation == Registrant.Representation.ALONE else 2
        if count < needed:
            raise CesjaRefused(
                _(
                    "%(name)s (the %(side)s) must name the people who represent it "
                    "(%(rule)s): at least %(count)s."
                )
                % {
                    "name": registrant.display_name,
                    "side": label,
                    "rule": registrant.get_representation_display(),
                    "count": needed,
                }
            )


def _check_reason(reason: str, details: str) -> None:
    if reason not in Reason.values:
        raise CesjaRefused(_("Choose the reason for the cesja."))
    if reason == Reason.OTHER and not (details or "").strip():
        raise CesjaRefused(_("Describe the reason for the cesja."))


def _customer_with_email(email: str):
    return (
        get_user_model()
        .objects.filter(email__iexact=email.strip(), role=Role.CUSTOMER, is_active=True)
        .order_by("pk")
        .first()
    )


# ---------------------------------------------------------------------- the form


def _party_digest(cesja: Cesja) -> str:
    """What the current form says of the parties and domains; a change means a new version."""
    parts = {
        "cedent": registrant_snapshot(cesja.cedent),
        "cesjonariusz": registrant_snapshot(cesja.cesjonariusz),
        "domains": cesja.domain_names(),
        "reason": [cesja.reason, cesja.reason_details],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _form_data(cesja: Cesja) -> CesjaFormData:
    reason = Reason(cesja.reason).label
    return CesjaFormData(
        case_id=cesja.pk,
        case_url=emails.staff_url(cesja),
        cedent=Party.from_registrant(cesja.cedent),
        cesjonariusz=Party.from_registrant(cesja.cesjonariusz),
        domains=[item.display_name for item in cesja.items.all()],
        reason=f"{reason}: {cesja.reason_details}" if cesja.reason_details else reason,
        upload_url=emails.upload_url(cesja),
    )


def _issue_form(
    cesja: Cesja, *, actor, channel: str, reason: Any, before: str | None = None
) -> GeneratedDocument:
    """A new form version, inside the caller's transaction with the cesja locked, with its
    event; the parties are mailed the link after commit."""
    form = documents.issue_form_version(
        case=cesja,
        kind=FORM_KIND,
        render=for_issue(_form_data(cesja), cesja.language),
        language=cesja.language,
        actor=actor,
        number_prefix="CES",
    )
    previous = documents.previous_version(form)
    cesja.form_digest = _party_digest(cesja)
    Cesja.objects.filter(pk=cesja.pk).update(form_digest=cesja.form_digest)
    _record(
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
    _after_commit(_mail(cesja.pk, "form_ready", form_number=form.number))
    return form


def regenerate_form(*, cesja: Cesja, actor, channel: str, language: str | None = None) -> GeneratedDocument:
    """A new version of the form (another language, corrected data). Earlier versions stay,
    superseded; a cesja whose signed copy was being checked waits for the new one signed."""
    _require_party_or_staff(cesja, actor, _("Only the parties to this cesja can have its form generated."))
    if language is not None and language not in emails.LANGUAGES:
        raise CesjaRefused(_("The form is available in Polish and English."))
    with transaction.atomic():
        current = _locked(cesja.pk)
        if current.cedent_id is None or current.cesjonariusz_id is None:
            raise CesjaRefused(_("The form is generated once both parties have joined."))
        if current.state not in RECEIVING:
            raise conflict_for(current)
        before = current.state
        if language is not None:
            current.language = language
        if current.state != State.AWAITING_DOCUMENTS:
            current.new_form_version()
        current.save()
        form = _issue_form(
            current,
            actor=actor,
            channel=channel,
            reason=_("A new version of the form was asked for."),
            before=before,
        )
        _after_commit(_advance_flow(current.pk))
    return form


def current_form(cesja: Cesja) -> GeneratedDocument | None:
    """The form version the parties must sign now."""
    return documents.current_form(cesja, FORM_KIND)


def _form_is_stale(cesja: Cesja) -> bool:
    return cesja.form_digest != _party_digest(cesja)


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
        with transaction.atomic():
            current = _locked(pk)
            if current.state not in RECEIVING or not _form_is_stale(current):
                continue
            before = current.state
            if current.state != State.AWAITING_DOCUMENTS:
                current.new_form_version()
            current.save()
            issued.append(
                _issue_form(
                    current,
                    actor=actor,
                    channel=channel,
                    reason=_("A party's profile was changed; the form must show the data as it now stands."),
                    before=before,
                )
            )
            _after_commit(_advance_flow(current.pk))
    return issued


PARTY_FIELDS = (
    "first_name",
    "last_name",
    "pesel",
    "name",
    "legal_form",
    "nip",
    "regon",
    "krs",
    "representation",
    "street",
    "postal_code",
    "city",
    "country",
    "email",
    "phone",
)


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
        raise CesjaRefused(_("Say whose data is corrected: the cedent's or the cesjonariusz's."))
    if not (_is_staff(actor) or cesja.acts_for(actor, side)):
        raise CesjaRefused(_("Only the party themselves (or our staff) can correct their data."))
    unknown = set(registrant_data) - set(PARTY_FIELDS)
    if unknown:
        raise CesjaRefused(
            _("These data cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        current = _locked(cesja.pk)
        if current.state not in RECEIVING:
            raise conflict_for(current)
        registrant = current.cedent if side == Side.CEDENT else current.cesjonariusz
        if registrant is None:
            raise CesjaRefused(_("That party has not joined yet."))
        registrant = Registrant.objects.select_for_update().get(pk=registrant.pk)
        before_profile = registrant_snapshot(registrant)
        for field, value in registrant_data.items():
            setattr(registrant, field, value)
        try:
            registrant.full_clean(exclude=["account"])
        except ValidationError as exc:
            raise CesjaRefused(" ".join(exc.messages)) from None
        registrant.save()
        if representatives is not None:
            registrant.representatives.all().delete()
            for person in representatives:
                rep = Representative(registrant=registrant, **person)
                try:
                    rep.full_clean(exclude=["registrant"])
                except ValidationError as exc:
                    raise CesjaRefused(" ".join(exc.messages)) from None
                rep.save()
        _check_party(registrant, side)
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
        form = _issue_form(
            current,
            actor=actor,
            channel=channel,
            reason=history_text(_("The data of the %(side)s was corrected."), side=Side(side).label),
            before=before,
        )
        _after_commit(_advance_flow(current.pk))
    return form


# ---------------------------------------------------------------------- starting and joining


def _invite(cesja: Cesja, side: str, email: str) -> Callable[[], None]:
    """A new invitation link (inside the caller's transaction); returns the mail to send."""
    token = sealing.new_token()
    CesjaInvitation.objects.create(
        cesja=cesja,
        side=side,
        email=email,
        token_digest=sealing.token_digest(f"cesja:{token}"),
        expires_at=cesja.documents_deadline,
    )
    cesja_id = cesja.pk

    def mail() -> None:
        fresh = _fresh(cesja_id)
        account = _side_account(fresh, side)
        emails.send(
            "invitation",
            to=email,
            language=emails.language_of(account),
            context={
                "cesja": fresh,
                "side": side,
                "link": emails.invitation_url(token),
                "domains": [item.display_name for item in fresh.items.all()],
                "deadline": fresh.documents_deadline,
                "has_account": account is not None,
            },
        )

    return mail


def start_cesja(
    *,
    initiator,
    side: str,
    domains: Iterable[Domain | str],
    cedent_registrant: Registrant | None = None,
    cesjonariusz_registrant: Registrant | None = None,
    other_party_email: str | None = None,
    reason: str,
    reason_details: str = "",
    actor,
    channel: str,
) -> Cesja:
    """Open a cesja. The cedent starts it for domains they hold and names the cesjonariusz
    (one of their own profiles, another customer's, or an e-mail address to invite), or the
    cesjonariusz starts it for domains held by someone else, who is asked to join.
    Once both parties are known the form is generated."""
    if side not in Side.values:
        raise CesjaRefused(_("Say whether you hand the domains over or take them over."))
    if initiator is None or not (actor is not None and (actor.pk == initiator.pk or _is_staff(actor))):
        raise CesjaRefused(_("A cesja is started by a party to it, or by our staff for them."))
    _check_reason(reason, reason_details)
    chosen = _as_domains(domains)
    other_email = (other_party_email or "").strip()
    cedent_account = cesjonariusz_account = None
    invited_email = ""

    if side == Side.CEDENT:
        if cedent_registrant is None or cedent_registrant.account_id != initiator.pk:
            raise CesjaRefused(_("Choose one of your own registrant profiles as the cedent."))
        cedent, cedent_account = cedent_registrant, initiator
        cesjonariusz = None
        if cesjonariusz_registrant is not None:
            if cesjonariusz_registrant.pk == cedent.pk:
                raise CesjaRefused(_("The cedent and the cesjonariusz must be different registrants."))
            if cesjonariusz_registrant.account_id == initiator.pk:
                cesjonariusz = cesjonariusz_registrant  # e.g. a person and their own new firm
            cesjonariusz_account = cesjonariusz_registrant.account
        elif other_email:
            try:
                from django.core.validators import validate_email

                validate_email(other_email)
            except ValidationError:
                raise CesjaRefused(_("Enter the cesjonariusz's e-mail address correctly.")) from None
            cesjonariusz_account = _customer_with_email(other_email)
            if cesjonariusz_account is not None and cesjonariusz_account.pk == initiator.pk:
                raise CesjaRefused(_("Choose the new registrant profile from your own profiles instead."))
            invited_email = other_email
        else:
            raise CesjaRefused(_("Name the cesjonariusz: a customer of ours or an e-mail address to invite."))
    else:
        if cesjonariusz_registrant is None or cesjonariusz_registrant.account_id != initiator.pk:
            raise CesjaRefused(_("Choose one of your own registrant profiles as the cesjonariusz."))
        holders = {d.registrant_id for d in chosen}
        if None in holders or len(holders) != 1:
            raise CesjaRefused(
                _("The domains must all be held by one registrant of ours; start one cesja per registrant.")
            )
        cedent = chosen[0].registrant
        if cedent_registrant is not None and cedent_registrant.pk != cedent.pk:
            raise CesjaRefused(_("These domains are not held by the registrant you named."))
        if cedent.pk == cesjonariusz_registrant.pk:
            raise CesjaRefused(_("You already hold these domains."))
        cedent_account = cedent.account
        cesjonariusz, cesjonariusz_account = cesjonariusz_registrant, initiator

    _check_domains(chosen, cedent)
    _check_party(cedent, Side.CEDENT)
    if cesjonariusz is not None:
        _check_party(cesjonariusz, Side.CESJONARIUSZ)
    both_known = (
        cedent is not None
        and cesjonariusz is not None
        and (side == Side.CEDENT or cedent_account.pk == initiator.pk)
    )
    policy = CesjaPolicy.current()
    now = _now()
    try:
        with transaction.atomic():
            cesja = Cesja(
                cedent=cedent,
                cesjonariusz=cesjonariusz,
                cedent_account=cedent_account,
                cesjonariusz_account=cesjonariusz_account,
                invited_email=invited_email,
                initiated_by=side,
                cedent_joined_at=now if side == Side.CEDENT or both_known else None,
                cesjonariusz_joined_at=now if side == Side.CESJONARIUSZ or both_known else None,
                reason=reason,
                reason_details=(reason_details or "").strip(),
                policy=policy,
                state=State.AWAITING_DOCUMENTS if both_known else State.AWAITING_PARTY,
                language=emails.language_of(initiator),
                created_at=now,
                documents_deadline=now + policy.documents_period,
            )
            cesja.save()
            cesja.number = f"CES/{timezone.localdate().year}/{cesja.pk:06d}"
            cesja.save(update_fields=["number"])
            for domain in chosen:
                CesjaDomain.objects.create(cesja=cesja, domain=domain, domain_name=domain.name)
            waiting = "" if both_known else (Side.CESJONARIUSZ if side == Side.CEDENT else Side.CEDENT)
            mails: list[Callable[[], None]] = []
            if waiting:
                account = _side_account(cesja, waiting)
                mails.append(_invite(cesja, waiting, account.email if account is not None else invited_email))
            _record(
                cesja,
                _("Cesja %(number)s of %(domains)s started by the %(side)s; %(next)s"),
                actor=actor,
                channel=channel,
                reason=f"{Reason(reason).label}: {cesja.reason_details}"
                if cesja.reason_details
                else Reason(reason).label,
                before="",
                data={
                    "initiated_by": side,
                    "reason": reason,
                    "cedent": cedent.pk,
                    "cesjonariusz": cesjonariusz.pk if cesjonariusz else None,
                    "invited": bool(waiting),
                    "documents_deadline": cesja.documents_deadline,
                },
                side=Side(side).label,
                next=_("the other party is asked to join.") if waiting else _("both parties are known."),
            )
            if both_known:
                _issue_form(cesja, actor=actor, channel=channel, reason=_("Both parties are known."))
            _after_commit(_start_flow(cesja.pk), *mails)
    except IntegrityError:
        raise CesjaRefused(_("One of these domains is already in an open cesja.")) from None
    return cesja


def _invitation_for(token: str) -> CesjaInvitation:
    invitation = (
        CesjaInvitation.objects.select_for_update()
        .filter(token_digest=sealing.token_digest(f"cesja:{token or ''}"))
        .first()
    )
    if invitation is None:
        raise CesjaRefused(_("This invitation link is not valid."))
    return invitation


def mask_email(address: str) -> str:
    """ "j***@example.pl": enough for its owner to recognise, too little to give it away."""
    local, at, domain = (address or "").strip().partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def may_claim(invitation: CesjaInvitation, user) -> bool:
    """Only the account of the invited address takes the invitation (letter case aside);
    when that side already has an account, only that account."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cesja = invitation.cesja
    account_id = cesja.cedent_account_id if invitation.side == Side.CEDENT else cesja.cesjonariusz_account_id
    if account_id is not None and account_id != user.pk:
        return False
    email = (user.email or "").strip().lower()
    return bool(email) and email == (invitation.email or "").strip().lower()


def wrong_account(invitation: CesjaInvitation) -> CesjaRefused:
    return CesjaRefused(
        _(
            "This invitation was sent to %(email)s. Log in with the account of that address, "
            "or ask the other party to invite the address of this account."
        )
        % {"email": mask_email(invitation.email)}
    )


def claim_invitation(*, token: str, actor, channel: str) -> Cesja:
    """The person invited by e-mail has logged in (or just created an account) and followed
    the link: their account becomes that side's; they join with a profile next. Only the
    account of the invited address may take it: a link passed on to someone else, or opened
    while logged in as another customer, changes nothing."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise CesjaRefused(_("Log in or create an account first, then open the invitation link again."))
    with transaction.atomic():
        invitation = _invitation_for(token)
        cesja = _locked(invitation.cesja_id)
        if invitation.used_at is not None:
            if invitation.used_by_id == actor.pk:
                return cesja  # a second click shows where it stands
            raise CesjaRefused(_("This invitation has already been used."))
        if cesja.state != State.AWAITING_PARTY or invitation.expires_at <= _now():
            raise CesjaRefused(_("This invitation has expired or the cesja has moved on."))
        other = cesja.cesjonariusz_account if invitation.side == Side.CEDENT else cesja.cedent_account
        if other is not None and other.pk == actor.pk:
            raise CesjaRefused(_("You cannot be both parties to a cesja."))
        invitation.cesja = cesja  # as locked
        if not may_claim(invitation, actor):
            raise wrong_account(invitation)
        invitation.used_at = _now()
        invitation.used_by = actor
        invitation.save(update_fields=["used_at", "used_by"])
        if invitation.side == Side.CEDENT:
            cesja.cedent_account = actor
        else:
            cesja.cesjonariusz_account = actor
        cesja.save()
        _record(
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
    return cesja


def join_cesja(
    *, cesja: Cesja, registrant: Registrant, actor, channel: str, token: str | None = None
) -> Cesja:
    """The other side takes part with one of their registrant profiles; the form follows.
    ``token``: the invitation link's, for someone who has not claimed it yet."""
    if token:
        cesja = claim_invitation(token=token, actor=actor, channel=channel)
    current = _fresh(cesja.pk)
    side = current.waiting_for
    if not side:
        raise conflict_for(current)
    account = _side_account(current, side)
    if not (_is_staff(actor) or (account is not None and actor is not None and actor.pk == account.pk)):
        raise CesjaRefused(_("Only the invited party can join this cesja."))
    if account is None or registrant.account_id != account.pk:
        raise CesjaRefused(_("Choose one of your own registrant profiles."))
    if side == Side.CEDENT:
        if registrant.pk != current.cedent_id:
            raise CesjaRefused(_("The domains are held by another of your profiles; choose that one."))
        _check_party(registrant, Side.CEDENT)
    else:
        if registrant.pk == current.cedent_id:
            raise CesjaRefused(_("The cedent and the cesjonariusz must be different registrants."))
        _check_party(registrant, Side.CESJONARIUSZ)
    with transaction.atomic():
        locked = _locked(current.pk)
        if locked.state != State.AWAITING_PARTY:
            raise conflict_for(locked)
        if side == Side.CEDENT:
            # The domains may have changed hands since the start.
            for item in locked.items.select_related("domain"):
                if item.domain.registrant_id != registrant.pk:
                    raise CesjaRefused(
                        _("%(domain)s is no longer held by %(cedent)s.")
                        % {"domain": item.display_name, "cedent": registrant.display_name}
                    )
            locked.cedent = registrant
            locked.cedent_joined_at = _now()
        else:
            locked.cesjonariusz = registrant
            locked.cesjonariusz_joined_at = _now()
        before = _move(locked, "both_parties_known")
        locked.save()
        CesjaInvitation.objects.filter(cesja=locked, used_at__isnull=True).update(
            used_at=_now(), used_by=actor
        )
        _record(
            locked,
            _("The %(side)s joined cesja %(number)s as %(party)s."),
            actor=actor,
            channel=channel,
            reason=_("The invited party agreed to take part."),
            before=before,
            data={"side": side, "registrant": registrant.pk},
            side=Side(side).label,
            party=registrant.display_name,
        )
        _issue_form(locked, actor=actor, channel=channel, reason=_("Both parties are known."))
        _after_commit(_advance_flow(locked.pk))
    return locked


# ---------------------------------------------------------------------- documents


def _form_for_copy(cesja: Cesja, form_number: str | None) -> GeneratedDocument:
    """The current form a signed copy is of; a superseded or foreign number is refused."""
    current = documents.current_form(cesja, FORM_KIND)
    if current is None:
        raise CesjaRefused(_("The form has not been generated yet."))
    if not form_number:
        return current
    try:
        form = documents.form_for_signed_copy(form_number)
    except documents.FormSuperseded as exc:
        raise CesjaRefused(
            _(
                "Form %(old)s has been replaced by version %(new)s after the parties' data was corrected; "
                "only a signed copy of %(new)s is accepted."
            )
            % {"old": exc.form.number, "new": current.number}
        ) from None
    except documents.FormNotFound:
        form = None
    if form is None or form.pk != current.pk:
        raise CesjaRefused(
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
        raise CesjaRefused(_("Say what the document is."))
    with transaction.atomic():
        current = _locked(cesja.pk)
        if current.state not in RECEIVING:
            raise conflict_for(current)
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
            )
        except DocumentRefused as exc:
            raise CesjaRefused(exc.message if hasattr(exc, "message") else str(exc)) from None
        before = current.state
        moved = kind == SIGNED_FORM and current.state in (
            State.AWAITING_DOCUMENTS,
            State.CORRECTION_REQUESTED,
        )
        if moved:
            current.documents_arrived()
            current.save()
        _record(
            current,
            _("%(kind)s for cesja %(number)s received through %(via)s (%(name)s)."),
            event_type=EventType.CESJA_DOCUMENT_RECEIVED,
            actor=actor,
            channel=channel,
            reason=note
            or (
                _("The signed form, for verification.")
                if kind == SIGNED_FORM
                else _("A document supporting the cesja.")
            ),
            before=before,
            data={
                "document": document.pk,
                "kind": kind,
                "sha256": document.sha256,
                "original_sha256": document.original_sha256,
                "size": document.size,
                "pages": document.pages,
                "content_type": document.content_type,
                "form_number": form.number if form else None,
                "received_on": document.received_on,
                "received_by": received_by.get_username() if received_by else None,
                "verification_round": current.verification_round,
            },
            kind=ReceivedDocument.Kind(kind).label,
            via=Channel(channel).label,
            name=document.original_name,
        )
        if moved:
            _after_commit(_advance_flow(current.pk))
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
        raise CesjaRefused(_("Only the parties to this cesja can upload its documents."))
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
    _require_domains_team(actor, _("Only the domains team registers documents that came on paper."))
    if channel not in PAPER_CHANNELS:
        raise CesjaRefused(_("Paper documents come by post, by fax or in person."))
    if received_on is None or received_on > timezone.localdate():
        raise CesjaRefused(_("Enter the day the document arrived."))
    if received_by is None:
        raise CesjaRefused(_("Say who received the document."))
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


# ---------------------------------------------------------------------- verification


def checklist_state(cesja: Cesja) -> dict[str, ChecklistTick | None]:
    """The latest tick of each item in the current verification round."""
    state: dict[str, ChecklistTick | None] = dict.fromkeys(ChecklistItem.values)
    for tick in cesja.ticks.filter(round=cesja.verification_round).select_related("ticked_by").order_by("id"):
        state[tick.item] = tick
    return state


def tick_checklist(
    *, cesja: Cesja, item: str, checked: bool, note: str = "", actor, channel: str = Channel.WEB
) -> ChecklistTick:
    """Staff tick (or untick) one item of the verification checklist."""
    _require_domains_team(actor, _("Only the domains team verifies a cesja."))
    if item not in ChecklistItem.values:
        raise CesjaRefused(_("No such checklist item."))
    with transaction.atomic():
        current = _locked(cesja.pk)
        if current.state not in VERIFICATION_STATES:
            raise conflict_for(current)
        tick = ChecklistTick.objects.create(
            cesja=current,
            round=current.verification_round,
            item=item,
            checked=bool(checked),
            ticked_by=actor,
            note=note or "",
        )
        _record(
            current,
            _("Checklist of cesja %(number)s: “%(item)s” %(mark)s."),
            event_type=EventType.CESJA_CHECKLIST,
            actor=actor,
            channel=channel,
            reason=note or (_("Checked against the documents.") if checked else _("Not confirmed.")),
            data={"item": item, "checked": bool(checked), "round": current.verification_round},
            item=ChecklistItem(item).label,
            mark=_("ticked") if checked else _("unticked"),
        )
    return tick


def _ready_to_approve(cesja: Cesja) -> None:
    missing = [
        ChecklistItem(code).label
        for code, tick in checklist_state(cesja).items()
        if not (tick and tick.checked)
    ]
    if missing:
        raise CesjaRefused(
            _("Tick every checklist item before approving; missing: %(items)s.")
            % {"items": "; ".join(str(label) for label in missing)}
        )
    current = documents.current_form(cesja, FORM_KIND)
    signed = ReceivedDocument.objects.for_case(cesja).filter(kind=SIGNED_FORM, form=current)
    if current is None or not signed.exists():
        raise CesjaRefused(
            _("There is no signed copy of the current form (%(number)s) on file.")
            % {"number": current.number if current else "—"}
        )


def _new_contact_handle() -> str:
    # Registry contact IDs have 3 to 16 characters; chosen once, reused by every retry.
    return f"CS{secrets.token_hex(5).upper()}"


def approve_cesja(*, cesja: Cesja, actor, channel: str = Channel.WEB, note: str = "") -> Cesja:
    """Staff approve. Above the policy's threshold a second, different member of staff must
    approve too; the last approval sends the cesja to the registry."""
    _require_domains_team(actor, _("Only the domains team approves a cesja."))
    with transaction.atomic():
        current = _locked(cesja.pk)
        if current.state not in VERIFICATION_STATES:
            raise conflict_for(current)
        _ready_to_approve(current)
        earlier = list(
            current.approvals.filter(round=current.verification_round).select_related("approved_by")
        )
        if any(a.approved_by_id == actor.pk for a in earlier):
            raise CesjaRefused(_("A second approval must come from another member of staff."))
        Approval.objects.create(cesja=current, round=current.verification_round, approved_by=actor, note=note)
        second_needed = current.policy.needs_second_approval(current.domain_names())
        if current.state == State.IN_VERIFICATION and second_needed:
            before = _move(current, "first_approval")
            current.save()
            _record(
                current,
                _("Cesja %(number)s approved by %(user)s; a second member of staff must approve it too."),
                actor=actor,
                channel=channel,
                reason=note or _("The documents were verified; the policy asks for a second approval."),
                before=before,
                data={"approval": 1, "round": current.verification_round},
                user=actor.get_username(),
            )
            _after_commit(_advance_flow(current.pk))
            return current
        before = _move(current, "approve")
        if not current.cesjonariusz.registry_handle and not current.contact_handle:
            current.contact_handle = _new_contact_handle()
        current.registry_tries = 0
        current.retry_at = None
        current.save()
        _record(
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
        _after_commit(
            _advance_flow(current.pk), _mail(current.pk, "approved"), _enqueue_execution(current.pk)
        )
    return current


def _reasons_text(reasons: str | Sequence[str]) -> str:
    if isinstance(reasons, str):
        return reasons.strip()
    return "\n".join(str(r).strip() for r in reasons if str(r).strip())


def reject_cesja(*, cesja: Cesja, reasons: str | Sequence[str], actor, channel: str = Channel.WEB) -> Cesja:
    """Staff refuse the cesja on the documents; the parties read why."""
    _require_domains_team(actor, _("Only the domains team rejects a cesja."))
    text = _reasons_text(reasons)
    if not text:
        raise CesjaRefused(_("Say why the cesja is rejected; the parties will read it."))
    with transaction.atomic():
        current = _locked(cesja.pk)
        before = _move(current, "reject")
        current.outcome_reason = text
        current.save()
        _close_items(current)
        _record(
            current,
            _("Cesja %(number)s rejected by %(user)s."),
            actor=actor,
            channel=channel,
            reason=text,
            before=before,
            user=actor.get_username(),
        )
        _after_commit(_advance_flow(current.pk), _mail(current.pk, "rejected", reasons=text))
    return current


def request_correction(*, cesja: Cesja, what_to_fix: str, actor, channel: str = Channel.WEB) -> Cesja:
    """Staff tell the parties exactly what to fix; they upload again (or correct their data,
    which issues a new form). They get at least the policy's correction period."""
    _require_domains_team(actor, _("Only the domains team asks for a correction."))
    text = (what_to_fix or "").strip()
    if not text:
        raise CesjaRefused(_("Say exactly what the parties must fix."))
    with transaction.atomic():
        current = _locked(cesja.pk)
        before = _move(current, "ask_for_correction")
        current.correction_request = text
        current.documents_deadline = max(
            current.documents_deadline or _now(), _now() + current.policy.correction_period
        )
        current.reminders_sent = []
        current.save()
        CesjaInvitation.objects.filter(cesja=current, used_at__isnull=True).update(
            expires_at=current.documents_deadline
        )
        _record(
            current,
            _("Correction of cesja %(number)s requested by %(user)s; documents due by %(deadline)s."),
            actor=actor,
            channel=channel,
            reason=text,
            before=before,
            data={"documents_deadline": current.documents_deadline, "round": current.verification_round},
            user=actor.get_username(),
            deadline=_when(current.documents_deadline),
        )
        _after_commit(
            _advance_flow(current.pk),
            _mail(current.pk, "correction", what_to_fix=text, deadline=current.documents_deadline),
        )
    return current


def cancel_cesja(*, cesja: Cesja, actor, channel: str = Channel.WEB, reason: str = "") -> Cesja:
    """Either party (or staff for them) withdraws, until the cesja is approved."""
    side = _require_party_or_staff(cesja, actor, _("Only a party to this cesja can cancel it."))
    with transaction.atomic():
        current = _locked(cesja.pk)
        if current.state not in CANCELLABLE:
            if current.state == State.EXECUTING or current.approved_at is not None:
                raise CesjaConflict(
                    _("The cesja has been approved and is being carried out; it can no longer be cancelled.")
                )
            raise conflict_for(current)
        before = _move(current, "cancel")
        current.outcome_reason = reason
        current.save()
        _close_items(current)
        who = Side(side).label if side else _("our staff")
        _record(
            current,
            _("Cesja %(number)s cancelled by the %(who)s."),
            actor=actor,
            channel=channel,
            reason=reason or history_text(_("Withdrawn by %(who)s."), who=who),
            before=before,
            data={"side": side or "staff"},
            who=who,
        )
        _after_commit(_advance_flow(current.pk), _mail(current.pk, "cancelled", who=who, why=reason))
    return current


# ---------------------------------------------------------------------- time


def expire_cesja(cesja_id: int) -> Cesja | None:
    """The documents did not arrive in time: the cesja ends (the flow's timer, the sweep)."""
    with transaction.atomic():
        current = _locked(cesja_id)
        if current.state not in DOCUMENT_STATES or current.documents_deadline is None:
            return None
        if current.documents_deadline > _now():
            return None  # the deadline moved (a correction) after the timer was set
        before = _move(current, "expire")
        current.outcome_reason = str(_("The signed documents did not arrive in time."))
        current.save()
        _close_items(current)
        _record(
            current,
            _("Cesja %(number)s expired: the signed documents were due by %(deadline)s."),
            reason=_("The documents deadline passed."),
            before=before,
            data={"documents_deadline": current.documents_deadline},
            deadline=_when(current.documents_deadline),
        )
        _after_commit(_advance_flow(current.pk), _mail(current.pk, "expired"))
    return current


def expire_overdue_cesje() -> int:
    due = Cesja.objects.filter(state__in=DOCUMENT_STATES, documents_deadline__lte=_now()).values_list(
        "pk", flat=True
    )
    return sum(1 for pk in list(due) if expire_cesja(pk) is not None)


def send_cesja_reminders() -> int:
    """Remind both parties, so many days before the documents are due as the policy says.
    A reminder whose moment passed unsent (the sweep did not run) is folded into the next
    one: each party hears once per moment, never twice in a row for the same deadline."""
    now = _now()
    sent = 0
    waiting = Cesja.objects.filter(state__in=DOCUMENT_STATES, documents_deadline__gt=now).select_related(
        "policy"
    )
    for cesja in waiting:
        due = [d for d in cesja.policy.reminders() if now >= cesja.documents_deadline - timedelta(days=d)]
        if not due or set(due) <= set(cesja.reminders_sent or []):
            continue
        with transaction.atomic():
            current = _locked(cesja.pk)
            if current.state not in DOCUMENT_STATES or current.documents_deadline <= _now():
                continue
            new = sorted(set(due) - set(current.reminders_sent or []))
            if not new:
                continue
            days = min(new)
            current.reminders_sent = sorted(set(current.reminders_sent or []) | set(due), reverse=True)
            current.save(update_fields=["reminders_sent"])
            _record(
                current,
                _("Reminder sent to the parties of cesja %(number)s: documents due by %(deadline)s."),
                event_type=EventType.CESJA_REMINDER,
                reason=history_text(_("%(days)s days before the documents deadline."), days=days),
                data={"days_before": days, "documents_deadline": current.documents_deadline},
                deadline=_when(current.documents_deadline),
            )
            _after_commit(_mail(current.pk, "reminder", days=days, deadline=current.documents_deadline))
        sent += 1
    return sent


# ---------------------------------------------------------------------- the registry


def _contact_data(registrant: Registrant, handle: str) -> ContactData:
    organisation = registrant.kind == Registrant.Kind.ORGANISATION
    phone = (registrant.phone or "").replace(" ", "")
    return ContactData(
        handle=handle,
        name=registrant.display_name,
        org=registrant.name if organisation else "",
        street=tuple(line for line in [registrant.street] if line),
        city=registrant.city,
        postal_code=registrant.postal_code,
        country=(registrant.country or "PL").upper(),
        email=registrant.email,
        voice=phone if EPP_PHONE.match(phone) else "",
    )


def _registry_delayed(cesja_id: int, exc: RegistryUnavailable) -> None:
    """The registry did not answer: say so once, and set when to try again."""
    with transaction.atomic():
        current = _locked(cesja_id)
        current.registry_tries += 1
        current.retry_at = _now() + timedelta(seconds=retry_delay(current.registry_tries - 1))
        current.registry_error = str(message_for(exc))
        current.save(update_fields=["registry_tries", "retry_at", "registry_error"])
        if current.registry_tries == 1:
            _record(
                current,
                _("The registry could not be reached for cesja %(number)s; we keep trying."),
                event_type=EventType.CESJA_REGISTRY_DELAYED,
                reason=_("The registry did not answer."),
                data={"error": type(exc).__name__},
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


def _contact_created(cesja_id: int, registrant_id: int, handle: str, result: CommandResult) -> None:
    with transaction.atomic():
        current = _locked(cesja_id)
        registrant = Registrant.objects.select_for_update().get(pk=registrant_id)
        if not registrant.registry_handle:
            registrant.registry_handle = handle
            registrant.save(update_fields=["registry_handle"])
        _record(
            current,
            _("Registry contact %(handle)s created for %(party)s (cesja %(number)s), clTRID %(cl_trid)s."),
            event_type=EventType.CESJA_REGISTRY_STEP,
            reason=_("The new registrant needs a contact at the registry."),
            data={**_step_data(result), "registrant": registrant_id, "handle": handle},
            handle=handle,
            party=registrant.display_name,
            cl_trid=result.record.cl_trid,
        )


def _domain_changed(cesja_id: int, item_id: int, handle: str, result: CommandResult) -> None:
    with transaction.atomic():
        current = _locked(cesja_id)
        item = CesjaDomain.objects.select_for_update().get(pk=item_id)
        if item.done_at is not None:
            return
        item.cl_trid = result.record.cl_trid
        item.sv_trid = result.record.sv_trid
        item.done_at = _now()
        item.save(update_fields=["cl_trid", "sv_trid", "done_at"])
        _record(
            current,
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


def _fail(cesja_id: int, exc: EppError) -> None:
    why = str(message_for(exc))
    with transaction.atomic():
        current = _locked(cesja_id)
        if current.state != State.EXECUTING:
            return
        before = _move(current, "fail")
        current.outcome_reason = why
        current.registry_error = why
        current.retry_at = None
        current.save()
        _close_items(current)
        _record(
            current,
            _("The registry refused the change of registrant for cesja %(number)s: %(why)s"),
            reason=why,
            before=before,
            data={"code": exc.code},
            why=why,
        )
        _after_commit(_advance_flow(current.pk), _mail(current.pk, "failed", why=why))


def _complete(cesja_id: int, handle: str) -> Cesja | None:
    with transaction.atomic():
        current = _locked(cesja_id)
        if current.state != State.EXECUTING:
            return None
        before = _move(current, "complete")
        current.registry_tries = 0
        current.retry_at = None
        current.registry_error = ""
        current.save()
        new_holder = current.cesjonariusz
        trids = {}
        for item in current.items.order_by("domain_name"):
            domain = Domain.objects.select_for_update().get(pk=item.domain_id)
            old = domain.registrant_id
            domain.registrant = new_holder
            domain.save(update_fields=["registrant"])
            trids[item.domain_name] = item.cl_trid
            # In the same transaction: whoever sees "completed" sees the domain moved too.
            record_event(
                event_type=EventType.DOMAIN_UPDATED,
                summary=history_text(
                    _("%(domain)s passed to %(party)s by cesja %(number)s."),
                    domain=domain.display_name,
                    party=new_holder.display_name,
                    number=current.number,
                ),
                channel=Channel.SYSTEM,
                subject=domain,
                domain_name=domain.name,
                reason=history_text(
                    _("Cesja %(number)s was carried out at the registry."), number=current.number
                ),
                changes={"registrant": [old, new_holder.pk]},
                data={"cesja": current.number, "cl_trid": item.cl_trid, "registry_handle": handle},
            )
        _close_items(current)
        _record(
            current,
            _("Cesja %(number)s completed: %(domains)s now held by %(party)s."),
            reason=_("Every change was confirmed by the registry."),
            before=before,
            data={"cl_trids": trids, "registry_handle": handle},
            party=new_holder.display_name,
        )
        _after_commit(_advance_flow(current.pk), _mail(current.pk, "completed"))
    return current


def execute_cesja(cesja_id: int) -> str:
    """Carry out an approved cesja: create the new registrant's contact if the registry
    has none, then change each domain's registrant. Each command has an idempotency key of
    its own, so a retry after any failure repeats nothing that already took effect."""
    cesja = Cesja.objects.select_related("cesjonariusz").filter(pk=cesja_id).first()
    if cesja is None:
        return "unknown"
    if cesja.state != State.EXECUTING:
        return "stale"
    registrant = cesja.cesjonariusz
    handle = registrant.registry_handle or cesja.contact_handle
    try:
        with _gateway() as gateway:
            if not registrant.registry_handle:
                result = gateway.contact_create(
                    _contact_data(registrant, handle),
                    sealing.new_authinfo(),
                    idempotency_key=f"cesja:{cesja_id}:contact:{handle}",
                )
                _contact_created(cesja_id, registrant.pk, handle, result)
            for item in cesja.items.filter(done_at__isnull=True).order_by("domain_name"):
                result = gateway.update_domain(
                    item.domain_name,
                    registrant=handle,
                    idempotency_key=f"cesja:{cesja_id}:registrant:{item.domain_id}:{handle}",
                )
                _domain_changed(cesja_id, item.pk, handle, result)
    except RegistryUnavailable as exc:
        _registry_delayed(cesja_id, exc)
        raise
    except EppError as exc:
        _fail(cesja_id, exc)
        return "refused"
    return "completed" if _complete(cesja_id, handle) is not None else "stale"
