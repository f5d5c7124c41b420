"""What customers, staff and background jobs do with transfers.

Every service that changes a transfer locks its row (``select_for_update``) inside one
transaction, checks the state again under the lock, runs the FSM transition, saves, writes
exactly one history event, and leaves registry work and e-mail to ``transaction.on_commit``,
so that nothing is sent for a change that was rolled back. A caller that lost a race gets
``TransferConflict`` saying who got there first; a request the rules do not allow gets
``TransferRefused`` with a sentence for the customer.

Registry commands are never sent inside a transaction (the gateway commits its own record
first); the services that need the registry's answer before deciding (checks before a
request, issuing a code, the lock) call it first and then take the lock.

The authinfo code a customer enters is passed as an argument, sealed for storage, and never
put in an exception, a log line, a history event or a job's arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from registry.epp.data import DomainInfo, TransferData
from registry.epp.results import (
    EppError,
    InvalidAuthInfo,
    ObjectDoesNotExist,
    ObjectNotPendingTransfer,
    RegistryError,
    RegistryUnavailable,
)
from registry.gateway import RegistryGateway
from registry.messages import TRANSFER_STATUS_LABELS, message_for
from registry.models import Domain, Registrar, Tld
from registry.names import parse_domain_name
from registry.tasks import retry_delay
from workflows import sealing
from workflows.history import history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import team_permission

from . import emails
from .models import (
    AT_REGISTRY,
    CANCELLABLE_LOCALLY,
    AuthInfoAttempt,
    AuthInfoCode,
    ConfirmationToken,
    Direction,
    State,
    Transfer,
    TransferPolicy,
)
from .policy import RejectionReason

logger = logging.getLogger(__name__)

TRANSFER_LOCK_STATUSES = ("clientTransferProhibited", "serverTransferProhibited")
APPROVED = ("clientApproved", "serverApproved")


class TransferRefused(Exception):
    """The rules do not allow this; ``message`` says why in words for the customer."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class TransferConflict(TransferRefused):
    """Someone else changed the transfer first."""


# ---------------------------------------------------------------------- small helpers


def _now() -> datetime:
    return timezone.now()


def _when(moment: datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def _is_staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_back_office", False))


def _our_client_id() -> str:
    return settings.REGISTRY["CLIENT_ID"]


def _gateway() -> RegistryGateway:
    return RegistryGateway.from_settings()


def conflict_for(transfer: Transfer) -> TransferConflict:
    """ "This request was already cancelled by … at …", from the event that moved it last."""
    last = (
        HistoryEvent.objects.for_object(transfer)
        .filter(event_type=EventType.TRANSFER_STATE_CHANGED)
        .order_by("-id")
        .first()
    )
    if last is None:
        return TransferConflict(
            _("This request is now %(state)s; it cannot be changed that way.")
            % {"state": transfer.get_state_display()}
        )
    return TransferConflict(
        _("This request was already moved on (now: %(state)s) by %(actor)s at %(time)s.")
        % {"state": transfer.get_state_display(), "actor": last.actor_label, "time": _when(last.occurred_at)}
    )


def _locked(pk: int) -> Transfer:
    # OF self: the joined rows are only read, and PostgreSQL cannot lock a nullable outer join.
    rows = Transfer.objects.select_for_update(of=("self",)).select_related("account", "tld", "policy")
    return rows.get(pk=pk)


def _record(
    transfer: Transfer,
    before: str,
    summary: Any,
    *,
    actor=None,
    actor_label: str = "",
    channel: str = Channel.SYSTEM,
    reason: str = "",
    data: dict | None = None,
    **params: Any,
) -> None:
    record_event(
        event_type=EventType.TRANSFER_STATE_CHANGED,
        summary=history_text(summary, domain=transfer.display_name, **params),
        actor=actor,
        actor_label=actor_label,
        channel=channel if actor is not None or actor_label else Channel.SYSTEM,
        subject=transfer,
        domain_name=transfer.domain_name,
        reason=reason,
        changes={"state": [before or None, transfer.state]},
        data={"direction": transfer.direction, "policy_version": transfer.policy.version, **(data or {})},
    )


def _after_commit(*callbacks: Callable[[], None]) -> None:
    for callback in callbacks:
        transaction.on_commit(callback)


def _enqueue(task_name: str, transfer_id: int) -> Callable[[], None]:
    def run() -> None:
        from . import tasks

        # Only the id travels to the broker.
        getattr(tasks, task_name).delay(transfer_id)

    return run


def _advance_flow(transfer_id: int) -> Callable[[], None]:
    def run() -> None:
        from .flows import sync_flow

        sync_flow(transfer_id)

    return run


def _mail(transfer_id: int, kind: str, **extra: Any) -> Callable[[], None]:
    def run() -> None:
        emails.to_customer(Transfer.objects.select_related("account").get(pk=transfer_id), kind, **extra)

    return run


def _wipe_code(transfer: Transfer) -> None:
    transfer.authinfo_sealed = ""


def _transition(
    transfer_id: int,
    move: str,
    *,
    summary: Any,
    actor=None,
    channel: str = Channel.SYSTEM,
    reason: str = "",
    data: dict | None = None,
    change: Callable[[Transfer], None] | None = None,
    then: Iterable[Callable[[], None]] = (),
    quiet_if: Iterable[str] = (),
    params: dict | None = None,
) -> Transfer | None:
    """Run one FSM transition under the row lock, with its event. A transfer whose state
    does not allow ``move`` raises TransferConflict, unless its state is in ``quiet_if``
    (a background job arriving after the fact), when None is returned."""
    with transaction.atomic():
        transfer = _locked(transfer_id)
        method = getattr(transfer, move)
        if not _can(transfer, method):
            if transfer.state in quiet_if:
                return None
            raise conflict_for(transfer)
        before = transfer.state
        method()
        if change is not None:
            change(transfer)
        transfer.save()
        _record(
            transfer,
            before,
            summary,
            actor=actor,
            channel=channel,
            reason=reason,
            data=data,
            **(params or {}),
        )
        _after_commit(_advance_flow(transfer.pk), *then)
    return transfer


def _can(transfer: Transfer, method) -> bool:
    from django_fsm import can_proceed

    return can_proceed(method)


# ---------------------------------------------------------------------- checks before a request

WRONG_CODE_LIMIT = 5
WRONG_CODE_WINDOW = timedelta(hours=1)


def _check_code_format(authinfo: str) -> str:
    code = (authinfo or "").strip()
    if not code:
        raise TransferRefused(
            _("Enter the transfer code (authinfo) you received from the current registrar.")
        )
    # Checked here so that a malformed code never reaches a frame, whose schema errors would quote it.
    if len(code) > 64 or any(ch.isspace() or not ch.isprintable() for ch in code):
        raise TransferRefused(
            _("That does not look like a transfer code: it has 1 to 64 characters and no spaces.")
        )
    return code


def _check_rate_limit(account, domain_name: str, code_digest: str) -> None:
    since = _now() - WRONG_CODE_WINDOW
    wrong = AuthInfoAttempt.objects.filter(outcome=AuthInfoAttempt.Outcome.WRONG, attempted_at__gte=since)
    if account is not None and wrong.filter(account=account).count() >= WRONG_CODE_LIMIT:
        raise TransferRefused(
            _(
                "Too many wrong transfer codes were entered from your account in the last hour. "
                "Please check the code with the current registrar and try again later."
            )
        )
    if wrong.filter(domain_name=domain_name).count() >= WRONG_CODE_LIMIT:
        raise TransferRefused(
            _(
                "Too many wrong transfer codes were entered for this domain in the last hour. "
                "Please try again later."
            )
        )
    if AuthInfoAttempt.objects.filter(
        domain_name=domain_name, code_digest=code_digest, outcome=AuthInfoAttempt.Outcome.WRONG
    ).exists():
        raise TransferRefused(
            _(
                "The registry has already refused this code for this domain. Check it, or ask the "
                "current registrar for a new one."
            )
        )


def _attempt(
    account, domain_name: str, code_digest: str, outcome: str, transfer: Transfer | None = None
) -> None:
    AuthInfoAttempt.objects.create(
        account=account, domain_name=domain_name, code_digest=code_digest, outcome=outcome, transfer=transfer
    )


def _registry_refusal(exc: RegistryError) -> TransferRefused:
    if isinstance(exc, RegistryUnavailable):
        return TransferRefused(
            _(
                "The registry cannot be reached at the moment, so we cannot check the domain. "
                "Please try again soon."
            )
        )
    return TransferRefused(message_for(exc))


def _check_domain_at_registry(info: DomainInfo, policy: TransferPolicy) -> None:
    """The registry's view of the domain allows a transfer to us now, or TransferRefused."""
    name = info.name
    if info.sponsor == _our_client_id():
        raise TransferRefused(
            _("%(domain)s is already with us; there is nothing to transfer.") % {"domain": name}
        )
    locks = [s for s in TRANSFER_LOCK_STATUSES if s in info.statuses]
    if locks:
        raise TransferRefused(
            _(
                "%(domain)s is locked against transfers (%(statuses)s). Ask the current registrar to "
                "remove the lock, then try again."
            )
            % {"domain": name, "statuses": ", ".join(locks)}
        )
    if "pendingDelete" in info.statuses:
        raise TransferRefused(_("%(domain)s is being deleted and cannot be transferred.") % {"domain": name})
    if "pendingTransfer" in info.statuses:
        raise TransferRefused(
            _("A transfer of %(domain)s is already in progress at the registry.") % {"domain": name}
        )
    now = _now()
    if info.expires_at is not None and info.expires_at <= now:
        raise TransferRefused(
            _("%(domain)s has expired. Renew it with the current registrar first.") % {"domain": name}
        )
    if info.transferred_at is not None:
        since, window, what = info.transferred_at, policy.transfer_lock, _("its last transfer")
    else:
        since, window, what = info.created_at, policy.registration_lock, _("its registration")
    if since is not None and now < since + window:
        raise TransferRefused(
            _(
                "%(domain)s cannot be transferred within %(days)s days of %(what)s. "
                "It can be transferred from %(date)s."
            )
            % {"domain": name, "days": window.days, "what": what, "date": _when(since + window)}
        )


@dataclass(frozen=True)
class _RegistrantAddress:
    email: str
    source: str  # "registry" or "profile"


def _registrant_address(
    gateway: RegistryGateway, info: DomainInfo, authinfo: str, fallback: str
) -> _RegistrantAddress:
    """The registrant's e-mail as the registry holds it (read with the domain's authInfo,
    as a gaining registrar may), else the address the customer gave us."""
    if info.registrant:
        try:
            contact = gateway.contact_info(info.registrant, authinfo, authinfo_roid=info.roid).data
        except RegistryError as exc:
            logger.info("registrant of %s not readable at the registry: %s", info.name, type(exc).__name__)
        else:
            if contact is not None and contact.email:
                return _RegistrantAddress(contact.email, "registry")
    return _RegistrantAddress(fallback, "profile")


def _review_reasons(domain_name: str, address: _RegistrantAddress) -> list[str]:
    reasons = []
    if address.source == "profile":
        reasons.append("registrant_email_from_customer")
    if domain_name in {d.lower() for d in settings.TRANSFERS_REVIEW_DOMAINS}:
        reasons.append("high_value_domain")
    return reasons


def _issue_confirmation(transfer: Transfer) -> Callable[[], None]:
    """A new confirmation link (inside the caller's transaction); returns the mail to send."""
    token = sealing.new_token()
    transfer.confirmation_deadline = _now() + transfer.policy.confirmation_validity
    ConfirmationToken.objects.create(
        transfer=transfer,
        token_digest=sealing.token_digest(token),
        email=transfer.confirmation_email,
        expires_at=transfer.confirmation_deadline,
    )
    transfer_id, address = transfer.pk, transfer.confirmation_email

    def mail() -> None:
        fresh = Transfer.objects.select_related("account", "registrant").get(pk=transfer_id)
        emails.send(
            "confirm",
            to=address,
            language=emails.language_of(fresh.account),
            context={
                "transfer": fresh,
                "link": emails.confirmation_url(token),
                "deadline": fresh.confirmation_deadline,
                "customer": fresh.account,
            },
        )

    return mail


# ---------------------------------------------------------------------- incoming


def start_incoming_transfer(
    *, account, domain_name: str, authinfo: str, registrant=None, actor, channel
) -> Transfer:
    """Check everything the registry and our rules allow us to check, then open the request
    and ask the registrant to confirm (or put it before staff first when a check flags it)."""
    try:
        name = parse_domain_name(domain_name)
    except ValidationError as exc:
        raise TransferRefused(exc.messages[0]) from None
    tld = Tld.objects.filter(name=name.tld, active=True).first()
    if tld is None:
        raise TransferRefused(_("We do not offer .%(tld)s domains.") % {"tld": name.tld})
    policy = TransferPolicy.current_for(tld)
    if policy is None:
        raise TransferRefused(
            _("Transfers of .%(tld)s domains are not offered at the moment.") % {"tld": tld.name}
        )
    if registrant is not None and registrant.account_id != account.pk:
        raise TransferRefused(_("Choose one of your own registrant profiles."))
    code = _check_code_format(authinfo)
    code_digest = sealing.digest(name.ascii, code)
    _check_rate_limit(account, name.ascii, code_digest)
    if Transfer.objects.open().filter(domain_name=name.ascii).exists():
        raise TransferRefused(
            _("A transfer request for %(domain)s is already open with us.") % {"domain": name.unicode}
        )

    fallback_email = registrant.email if registrant is not None else account.email
    with _gateway() as gateway:
        try:
            info = gateway.domain_info(name.ascii, code, actor=actor, channel=channel).data
        except InvalidAuthInfo as exc:
            _attempt(account, name.ascii, code_digest, AuthInfoAttempt.Outcome.WRONG)
            raise TransferRefused(message_for(exc)) from None
        except ObjectDoesNotExist:
            raise TransferRefused(
                _("The registry has no domain %(domain)s. Check the name.") % {"domain": name.unicode}
            ) from None
        except RegistryError as exc:
            raise _registry_refusal(exc) from None
        _check_domain_at_registry(info, policy)
        address = _registrant_address(gateway, info, code, fallback_email)

    reasons = _review_reasons(name.ascii, address)
    losing, _created = Registrar.objects.get_or_create(
        client_id=info.sponsor, defaults={"name": info.sponsor}
    )
    try:
        with transaction.atomic():
            transfer = Transfer(
                direction=Direction.INCOMING,
                domain_name=name.ascii,
                tld=tld,
                domain=Domain.objects.filter(name=name.ascii).first(),
                account=account,
                registrant=registrant,
                other_registrar=losing,
                policy=policy,
                state=State.REVIEW if reasons else State.AWAITING_CONFIRMATION,
                review_required=bool(reasons),
                review_reasons=reasons,
                confirmation_email=address.email,
                confirmation_email_source=address.source,
                authinfo_sealed=sealing.seal(code),
                authinfo_digest=code_digest,
            )
            transfer.save()
            mails = [] if reasons else [_issue_confirmation(transfer)]
            transfer.save()
            _attempt(account, name.ascii, code_digest, AuthInfoAttempt.Outcome.ACCEPTED, transfer)
            summary = (
                _("Transfer of %(domain)s to us requested; a staff check comes first (%(reasons)s).")
                if reasons
                else _("Transfer of %(domain)s to us requested; confirmation sent to %(email)s (%(source)s).")
            )
            _record(
                transfer,
                "",
                summary,
                actor=actor,
                channel=channel,
                data={
                    "losing_registrar": info.sponsor,
                    "confirmation_email_source": address.source,
                    "review_reasons": reasons,
                },
                reasons=", ".join(reasons),
                email=address.email,
                source=transfer.get_confirmation_email_source_display(),
            )
            _after_commit(_start_flow(transfer.pk), *mails, _mail(transfer.pk, "started"))
    except IntegrityError:
        raise TransferRefused(
            _("A transfer request for %(domain)s is already open with us.") % {"domain": name.unicode}
        ) from None
    return transfer


def _start_flow(transfer_id: int) -> Callable[[], None]:
    def run() -> None:
        from .flows import start_flow

        start_flow(transfer_id)

    return run


def review_transfer(*, transfer: Transfer, approved: bool, note: str, actor, channel) -> Transfer:
    """Staff decide on a flagged incoming request: it goes on to the registrant, or ends."""
    if actor is None or not actor.has_perm(team_permission("domains")):
        raise TransferRefused(_("Only the domains team reviews transfer requests."))
    if not approved and not (note or "").strip():
        raise TransferRefused(_("Say why the request is refused; the customer will read it."))
    if approved:
        mails: list[Callable[[], None]] = []

        def go_on(t: Transfer) -> None:
            mails.append(_issue_confirmation(t))

        result = _transition(
            transfer.pk,
            "pass_review",
            summary=_("Staff checked the transfer of %(domain)s and let it go on to the registrant."),
            actor=actor,
            channel=channel,
            reason=note,
            change=go_on,
            then=[lambda: [m() for m in mails]],
        )
    else:

        def refuse(t: Transfer) -> None:
            _wipe_code(t)
            t.outcome_reason = note

        result = _transition(
            transfer.pk,
            "refuse_after_review",
            summary=_("Staff refused the transfer of %(domain)s after a check."),
            actor=actor,
            channel=channel,
            reason=note,
            change=refuse,
            then=[_mail(transfer.pk, "rejected")],
        )
    return result


def confirm_transfer(*, token: str) -> Transfer:
    """The registrant followed the link: the request goes to the registry."""
    with transaction.atomic():
        link = (
            ConfirmationToken.objects.select_for_update()
            .filter(token_digest=sealing.token_digest(token or ""))
            .first()
        )
        if link is None:
            raise TransferRefused(_("This confirmation link is not valid."))
        transfer = _locked(link.transfer_id)
        if link.used_at is not None and transfer.state != State.AWAITING_CONFIRMATION:
            return transfer  # a second click on the same link shows where the request stands
        if transfer.state != State.AWAITING_CONFIRMATION:
            raise conflict_for(transfer)
        if link.expires_at <= _now():
            raise TransferRefused(_("This confirmation link has expired; the request has lapsed."))
        link.used_at = _now()
        link.save(update_fields=["used_at"])
        before = transfer.state
        transfer.confirm()
        transfer.save()
        _record(
            transfer,
            before,
            _("The registrant confirmed the transfer of %(domain)s through the link sent to %(email)s."),
            email=link.email,
            # The registrant may have no account here: the link is what identifies them.
            actor_label=f"registrant <{link.email}> (confirmation link)",
            channel=Channel.WEB,
            data={"confirmed_through": "e-mail link"},
        )
        _after_commit(_advance_flow(transfer.pk), _enqueue("submit_transfer_request", transfer.pk))
    return transfer


def resubmit_authinfo(*, transfer: Transfer, authinfo: str, actor, channel) -> Transfer:
    """A new code after the registry refused the last one: the request goes again, without
    a new confirmation."""
    if not (actor is not None and (actor.pk == transfer.account_id or _is_staff(actor))):
        raise TransferRefused(_("Only the customer who asked for this transfer can enter a new code."))
    current = Transfer.objects.get(pk=transfer.pk)
    if current.state != State.AUTHINFO_INVALID:
        raise conflict_for(current)
    code = _check_code_format(authinfo)
    code_digest = sealing.digest(current.domain_name, code)
    _check_rate_limit(current.account, current.domain_name, code_digest)
    with _gateway() as gateway:
        try:
            gateway.domain_info(current.domain_name, code, actor=actor, channel=channel)
        except InvalidAuthInfo as exc:
            _attempt(
                current.account, current.domain_name, code_digest, AuthInfoAttempt.Outcome.WRONG, current
            )
            raise TransferRefused(message_for(exc)) from None
        except RegistryError as exc:
            raise _registry_refusal(exc) from None

    def store(t: Transfer) -> None:
        t.authinfo_sealed = sealing.seal(code)
        t.authinfo_digest = code_digest
        t.registry_tries = 0
        t.registry_error = ""
        _attempt(t.account, t.domain_name, code_digest, AuthInfoAttempt.Outcome.ACCEPTED, t)

    return _transition(
        transfer.pk,
        "resubmit",
        summary=_("A new transfer code for %(domain)s was entered; the request goes to the registry again."),
        actor=actor,
        channel=channel,
        change=store,
        then=[_enqueue("submit_transfer_request", transfer.pk)],
    )


def cancel_transfer(*, transfer: Transfer, actor, channel, reason: str = "") -> Transfer:
    """The customer (or staff for them) withdraws an incoming request. Before it reaches the
    registry it simply ends; while pending there, the registry is asked to cancel it."""
    if not transfer.is_incoming:
        raise TransferRefused(_("Only a transfer to us can be cancelled here."))
    if not (actor is not None and (actor.pk == transfer.account_id or _is_staff(actor))):
        raise TransferRefused(_("Only the customer who asked for this transfer can cancel it."))
    with transaction.atomic():
        current = _locked(transfer.pk)
        if current.state in CANCELLABLE_LOCALLY:
            before = current.state
            current.cancel()
            _wipe_code(current)
            current.outcome_reason = reason
            current.save()
            ConfirmationToken.objects.filter(transfer=current, used_at__isnull=True).update(expires_at=_now())
            _record(
                current,
                before,
                _("The transfer of %(domain)s was cancelled before it reached the registry."),
                actor=actor,
                channel=channel,
                reason=reason,
            )
            _after_commit(_advance_flow(current.pk), _mail(current.pk, "cancelled"))
            return current
        if current.state == State.PENDING:
            before = current.state
            current.request_cancel()
            current.outcome_reason = reason
            current.registry_tries = 0
            current.save()
            _record(
                current,
                before,
                _("Cancellation of the transfer of %(domain)s sent to the registry."),
                actor=actor,
                channel=channel,
                reason=reason,
            )
            _after_commit(_advance_flow(current.pk), _enqueue("cancel_transfer_at_registry", current.pk))
            return current
        raise conflict_for(current)


# ---------------------------------------------------------------------- outgoing


def _holder_of(domain: Domain):
    return domain.registrant.account if domain.registrant_id else None


def _check_domain_owner(domain: Domain, actor) -> None:
    if not domain.sponsor.is_us:
        raise TransferRefused(_("%(domain)s is not held with us.") % {"domain": domain.display_name})
    holder = _holder_of(domain)
    if not (actor is not None and ((holder is not None and actor.pk == holder.pk) or _is_staff(actor))):
        raise TransferRefused(
            _("Only the registrant of %(domain)s can do this.") % {"domain": domain.display_name}
        )


def issue_authinfo(*, domain: Domain, actor, channel) -> str:
    """A new authinfo code for a domain we hold: set at the registry, returned once (the page
    shows it once) and mailed to the registrant; we keep only its digest."""
    _check_domain_owner(domain, actor)
    policy = TransferPolicy.current_for(domain.tld)
    if policy is None:
        raise TransferRefused(
            _("Transfers of .%(tld)s domains are not offered at the moment.") % {"tld": domain.tld.name}
        )
    code = sealing.new_authinfo()
    try:
        with _gateway() as gateway:
            gateway.update_domain(domain.name, authinfo=code, actor=actor, channel=channel)
    except RegistryError as exc:
        raise (
            _registry_refusal(exc)
            if isinstance(exc, RegistryUnavailable)
            else TransferRefused(message_for(exc))
        ) from None
    now = _now()
    with transaction.atomic():
        AuthInfoCode.objects.filter(domain=domain, reset_at__isnull=True).update(
            reset_at=now, reset_reason=AuthInfoCode.ResetReason.REPLACED
        )
        issued = AuthInfoCode.objects.create(
            domain=domain,
            code_digest=sealing.digest(domain.name, code),
            issued_at=now,
            expires_at=now + policy.authinfo_validity,
            issued_by=actor,
            policy=policy,
        )
        record_event(
            event_type=EventType.AUTHINFO_ISSUED,
            summary=history_text(
                _("A new authinfo code for %(domain)s was issued, valid until %(until)s."),
                domain=domain.display_name,
                until=_when(issued.expires_at),
            ),
            actor=actor,
            channel=channel,
            subject=domain,
            domain_name=domain.name,
            data={"code_id": issued.pk, "policy_version": policy.version},
        )
        holder = _holder_of(domain)
        registrant_email = domain.registrant.email if domain.registrant_id else ""

        def mail() -> None:
            # The one place the code goes besides the one-time screen.
            emails.send(
                "authinfo_issued",
                to=registrant_email,
                language=emails.language_of(holder),
                context={"domain": domain, "code": code, "expires_at": issued.expires_at},
            )

        _after_commit(mail)
    return code


def set_transfer_lock(*, domain: Domain, locked: bool, actor, channel) -> None:
    """The registrant locks or unlocks transfers of their domain (clientTransferProhibited)."""
    _check_domain_owner(domain, actor)
    status = "clientTransferProhibited"
    try:
        with _gateway() as gateway:
            if locked:
                gateway.update_domain(domain.name, add_statuses=[status], actor=actor, channel=channel)
            else:
                gateway.update_domain(domain.name, remove_statuses=[status], actor=actor, channel=channel)
    except RegistryError as exc:
        raise (
            _registry_refusal(exc)
            if isinstance(exc, RegistryUnavailable)
            else TransferRefused(message_for(exc))
        ) from None
    with transaction.atomic():
        row = Domain.objects.select_for_update().get(pk=domain.pk)
        before = sorted(row.statuses or [])
        statuses = set(before) | {status} if locked else set(before) - {status}
        row.statuses = sorted(statuses)
        row.save(update_fields=["statuses"])
        record_event(
            event_type=EventType.DOMAIN_TRANSFER_LOCK,
            summary=history_text(
                _("Transfers of %(domain)s locked.") if locked else _("Transfers of %(domain)s unlocked."),
                domain=domain.display_name,
            ),
            actor=actor,
            channel=channel,
            subject=row,
            domain_name=row.name,
            changes={"statuses": [before, row.statuses]},
        )
    domain.statuses = row.statuses


def approve_outgoing(*, transfer: Transfer, actor, channel) -> Transfer:
    """The registrant lets the domain go at once, without waiting for the registry's window."""
    if transfer.is_incoming or not (
        actor is not None and (actor.pk == transfer.account_id or _is_staff(actor))
    ):
        raise TransferRefused(_("Only the registrant of the domain can approve its transfer."))

    def mark(t: Transfer) -> None:
        t.registry_tries = 0

    return _transition(
        transfer.pk,
        "request_approve",
        summary=_("Approval of the transfer of %(domain)s to another registrar sent to the registry."),
        actor=actor,
        channel=channel,
        change=mark,
        then=[_enqueue("approve_transfer_at_registry", transfer.pk)],
    )


def reject_outgoing(*, transfer: Transfer, reason_code: str, explanation: str, actor, channel) -> Transfer:
    """Staff stop a transfer away from us, only on a ground the TLD's policy allows."""
    if not _is_staff(actor) or not actor.has_perm(team_permission("domains")):
        raise TransferRefused(_("Only the domains team may reject a transfer to another registrar."))
    if transfer.is_incoming:
        raise TransferRefused(_("Only a transfer to another registrar can be rejected here."))
    if reason_code not in RejectionReason.values or not transfer.policy.allows_rejection(reason_code):
        raise TransferRefused(
            _("A transfer of a .%(tld)s domain may be rejected only for: %(reasons)s.")
            % {
                "tld": transfer.tld.name,
                "reasons": "; ".join(str(label) for _c, label in transfer.policy.rejection_choices()),
            }
        )
    if not (explanation or "").strip():
        raise TransferRefused(_("Describe the grounds for the rejection; they go on record."))

    def mark(t: Transfer) -> None:
        t.rejection_reason = reason_code
        t.outcome_reason = explanation
        t.registry_tries = 0

    return _transition(
        transfer.pk,
        "request_reject",
        summary=_("Rejection of the transfer of %(domain)s sent to the registry (%(ground)s)."),
        actor=actor,
        channel=channel,
        reason=explanation,
        data={"rejection_reason": reason_code},
        change=mark,
        then=[_enqueue("reject_transfer_at_registry", transfer.pk)],
        params={"ground": RejectionReason(reason_code).label},
    )


# ---------------------------------------------------------------------- the registry's answers


def _registry_delayed(transfer_id: int, exc: RegistryUnavailable) -> None:
    """Our command did not get through: say so once, and set when to try again."""
    with transaction.atomic():
        transfer = _locked(transfer_id)
        transfer.registry_tries += 1
        transfer.retry_at = _now() + timedelta(seconds=retry_delay(transfer.registry_tries - 1))
        transfer.registry_error = str(message_for(exc))
        transfer.save(update_fields=["registry_tries", "retry_at", "registry_error"])
        if transfer.registry_tries == 1:
            record_event(
                event_type=EventType.TRANSFER_REGISTRY_DELAYED,
                summary=history_text(
                    _("The registry could not be reached for %(domain)s; we keep trying."),
                    domain=transfer.display_name,
                ),
                channel=Channel.SYSTEM,
                subject=transfer,
                domain_name=transfer.domain_name,
                data={"state": transfer.state, "error": type(exc).__name__},
            )


def _registry_answered(t: Transfer) -> None:
    t.registry_tries = 0
    t.retry_at = None
    t.registry_error = ""


def send_transfer_request(transfer_id: int) -> str:
    """Send the confirmed request to the registry, with the code the customer entered. The
    idempotency key names the request and the code attempt, so a retry after a lost answer
    never sends a second request."""
    transfer = Transfer.objects.select_related("policy").get(pk=transfer_id)
    if transfer.state != State.SUBMITTING:
        return "stale"
    code = sealing.unseal(transfer.authinfo_sealed)
    if code is None:
        _transition(
            transfer_id,
            "refuse_authinfo",
            summary=_(
                "The transfer code for %(domain)s is no longer readable; the customer must enter it again."
            ),
            quiet_if=set(State.values),
            then=[_mail(transfer_id, "authinfo_refused")],
        )
        return "code lost"
    try:
        with _gateway() as gateway:
            result = gateway.transfer_request(
                transfer.domain_name,
                code,
                idempotency_key=f"transfer:{transfer_id}:request:{transfer.attempts}",
            )
    except InvalidAuthInfo:

        def refused(t: Transfer) -> None:
            _wipe_code(t)
            _registry_answered(t)
            _attempt(t.account, t.domain_name, t.authinfo_digest, AuthInfoAttempt.Outcome.WRONG, t)

        _transition(
            transfer_id,
            "refuse_authinfo",
            summary=_("The registry refused the transfer code for %(domain)s."),
            change=refused,
            quiet_if=set(State.values),
            then=[_mail(transfer_id, "authinfo_refused")],
        )
        return "authinfo refused"
    except RegistryUnavailable as exc:
        _registry_delayed(transfer_id, exc)
        raise
    except EppError as exc:
        refusal = str(message_for(exc))

        def failed(t: Transfer) -> None:
            _wipe_code(t)
            _registry_answered(t)
            t.outcome_reason = refusal

        _transition(
            transfer_id,
            "fail",
            summary=_("The registry refused the transfer of %(domain)s: %(why)s"),
            data={"code": exc.code},
            change=failed,
            quiet_if=set(State.values),
            then=[_mail(transfer_id, "failed")],
            params={"why": message_for(exc)},
        )
        return "refused"
    data = result.data if isinstance(result.data, TransferData) else None
    if data is None:  # an earlier attempt's success, replayed: ask for the details
        with _gateway() as gateway:
            data = gateway.transfer_query(transfer.domain_name).data

    def pending(t: Transfer) -> None:
        _wipe_code(t)
        _registry_answered(t)
        _copy_registry_dates(t, data)
        t.next_check_at = _now() + t.policy.reconcile_after

    moved = _transition(
        transfer_id,
        "accept_request",
        summary=_(
            "The registry accepted the transfer request for %(domain)s; "
            "the current registrar has until %(until)s."
        ),
        data={"registry_status": data.status},
        change=pending,
        quiet_if=set(State.values),
        then=[_mail(transfer_id, "submitted")],
        params={"until": _when(data.action_at)},
    )
    if moved is None:
        # Cancelled by the customer while the request was on its way: withdraw it there too.
        with transaction.atomic():
            late = _locked(transfer_id)
            _wipe_code(late)
            late.registry_status = data.status
            late.save(update_fields=["authinfo_sealed", "registry_status"])
        if late.state == State.CANCELLED and data.is_pending:
            _enqueue("cancel_transfer_at_registry", transfer_id)()
        return "late"
    if not data.is_pending:
        apply_registry_status(transfer_id, data, source="request answer")
    return "pending"


def _copy_registry_dates(t: Transfer, data: TransferData) -> None:
    t.registry_status = data.status
    t.requested_at = data.requested_at
    t.action_date = data.action_at


def _registry_action(transfer_id: int, state: str, command: str) -> str:
    """Send our cancel, approve or reject of a pending transfer and apply the answer."""
    transfer = Transfer.objects.get(pk=transfer_id)
    if transfer.state != state and not (command == "cancel" and transfer.state == State.CANCELLED):
        return "stale"
    if transfer.state == State.CANCELLED and transfer.registry_status != "pending":
        return "stale"
    try:
        with _gateway() as gateway:
            call = getattr(gateway, f"transfer_{command}")
            result = call(
                transfer.domain_name, idempotency_key=f"transfer:{transfer_id}:{command}:{transfer.attempts}"
            )
            data = (
                result.data
                if isinstance(result.data, TransferData)
                else gateway.transfer_query(transfer.domain_name).data
            )
    except ObjectNotPendingTransfer:
        # The registry settled it first (a window closed, the other side acted): find out how.
        return reconcile_transfer(transfer_id)
    except RegistryUnavailable as exc:
        _registry_delayed(transfer_id, exc)
        raise
    except EppError as exc:
        refusal = str(message_for(exc))

        def keep(t: Transfer) -> None:
            _registry_answered(t)
            t.registry_error = refusal

        _transition(
            transfer_id,
            "back_to_pending",
            summary=_("The registry refused our %(command)s of the transfer of %(domain)s: %(why)s"),
            data={"code": exc.code},
            change=keep,
            quiet_if=set(State.values),
            params={"command": command, "why": message_for(exc)},
        )
        return "refused"
    apply_registry_status(transfer_id, data, source=f"{command} answer")
    return data.status


def cancel_at_registry(transfer_id: int) -> str:
    return _registry_action(transfer_id, State.CANCELLING, "cancel")


def approve_at_registry(transfer_id: int) -> str:
    return _registry_action(transfer_id, State.APPROVING, "approve")


def reject_at_registry(transfer_id: int) -> str:
    return _registry_action(transfer_id, State.REJECTING, "reject")


def reconcile_transfer(transfer_id: int) -> str:
    """Ask the registry where a transfer stands and bring ours in line (a lost poll
    message, a window that closed while we were not listening)."""
    transfer = Transfer.objects.select_related("policy").get(pk=transfer_id)
    if transfer.state not in AT_REGISTRY:
        return "stale"
    try:
        with _gateway() as gateway:
            data = gateway.transfer_query(transfer.domain_name).data
    except RegistryUnavailable:
        raise
    except ObjectNotPendingTransfer:
        data = None
    if not isinstance(data, TransferData) or not _is_this_transfer(transfer, data):
        with transaction.atomic():
            locked = _locked(transfer_id)
            locked.next_check_at = _now() + locked.policy.reconcile_every
            locked.save(update_fields=["next_check_at"])
        return "unknown"
    return apply_registry_status(transfer_id, data, source="transfer query") or data.status


def _is_this_transfer(transfer: Transfer, data: TransferData) -> bool:
    us = _our_client_id()
    side = data.requested_by if transfer.is_incoming else data.action_by
    if side != us:
        return False
    return transfer.requested_at is None or data.requested_at >= transfer.requested_at - timedelta(minutes=10)


def apply_registry_status(transfer_id: int, data: TransferData, *, source: str) -> str:
    """Move the transfer to where the registry says it is; nothing if it is there already."""
    status = data.status
    if status == "pending":
        with transaction.atomic():
            transfer = _locked(transfer_id)
            if transfer.state in AT_REGISTRY:
                _copy_registry_dates(transfer, data)
                transfer.next_check_at = _now() + transfer.policy.reconcile_every
                transfer.save(
                    update_fields=["registry_status", "requested_at", "action_date", "next_check_at"]
                )
        return "pending"
    label = TRANSFER_STATUS_LABELS.get(status, status)

    def settle(t: Transfer) -> None:
        _copy_registry_dates(t, data)
        _registry_answered(t)
        _wipe_code(t)
        t.next_check_at = None

    if status in APPROVED:

        def complete(t: Transfer) -> None:
            settle(t)
            # In the same transaction: whoever sees "completed" sees the domain moved too.
            _after_completion(t, data)

        completed = _transition(
            transfer_id,
            "complete",
            summary=_("The transfer of %(domain)s is complete: %(label)s."),
            data={"registry_status": status, "source": source},
            change=complete,
            quiet_if=set(State.values),
            params={"label": label},
        )
        return "completed" if completed else "unchanged"
    if status == "clientRejected":

        def rejected(t: Transfer) -> None:
            settle(t)
            if t.is_incoming:
                t.outcome_reason = str(_("The current registrar rejected the transfer."))

        moved = _transition(
            transfer_id,
            "reject",
            summary=_("The transfer of %(domain)s was rejected: %(label)s."),
            data={"registry_status": status, "source": source},
            change=rejected,
            quiet_if=set(State.values),
            then=[_mail(transfer_id, "rejected")],
            params={"label": label},
        )
        return "rejected" if moved else "unchanged"
    if status in ("clientCancelled", "serverCancelled"):
        moved = _transition(
            transfer_id,
            "cancelled_at_registry",
            summary=_("The transfer of %(domain)s was cancelled: %(label)s."),
            data={"registry_status": status, "source": source},
            change=settle,
            quiet_if=set(State.values),
            then=[_mail(transfer_id, "cancelled")],
            params={"label": label},
        )
        return "cancelled" if moved else "unchanged"
    logger.warning("transfer %s: registry status %s not understood (%s)", transfer_id, status, source)
    return "unknown"


def _after_completion(transfer: Transfer, data: TransferData) -> None:
    """The domain joins the customer's portfolio, or leaves ours, with the history to show it."""
    us = Registrar.us()
    with transaction.atomic():
        domain = Domain.objects.select_for_update().filter(name=transfer.domain_name).first()
        before = {"sponsor": domain.sponsor.client_id if domain else None}
        if transfer.is_incoming:
            if domain is None:
                domain = Domain(name=transfer.domain_name, tld=transfer.tld)
            domain.sponsor = us
            domain.registrant = transfer.registrant or domain.registrant
            domain.statuses = sorted(set(domain.statuses or []) - {"pendingTransfer"})
            domain.last_transfer_at = data.action_at
            if data.expires_at is not None:
                domain.expires_at = data.expires_at
            domain.save()
        elif domain is not None:
            domain.sponsor = (
                transfer.other_registrar
                or Registrar.objects.get_or_create(
                    client_id=data.requested_by, defaults={"name": data.requested_by}
                )[0]
            )
            domain.statuses = sorted(set(domain.statuses or []) - {"pendingTransfer"})
            domain.last_transfer_at = data.action_at
            domain.save()
            # The registry gave the domain a code nobody knows; ours are void.
            AuthInfoCode.objects.filter(domain=domain, reset_at__isnull=True).update(
                reset_at=_now(), reset_reason=AuthInfoCode.ResetReason.TRANSFERRED
            )
        if domain is not None:
            transfer.domain = domain
            record_event(
                event_type=EventType.DOMAIN_UPDATED,
                summary=history_text(
                    _("%(domain)s joined our portfolio by transfer.")
                    if transfer.is_incoming
                    else _("%(domain)s left our portfolio by transfer to %(registrar)s."),
                    domain=transfer.display_name,
                    registrar=domain.sponsor.name,
                ),
                channel=Channel.SYSTEM,
                subject=domain,
                domain_name=domain.name,
                changes={"sponsor": [before["sponsor"], domain.sponsor.client_id]},
                data={"transfer": transfer.pk},
            )
        _after_commit(_mail(transfer.pk, "completed"))


# ---------------------------------------------------------------------- outgoing requests and timers


def open_outgoing_transfer(data: TransferData) -> Transfer | None:
    """Another registrar asked the registry for a domain we hold (a poll message said so).
    Runs inside the caller's transaction; the registrant is told after commit."""
    if Transfer.objects.open().filter(domain_name=data.name).exists():
        return None
    domain = Domain.objects.select_related("registrant__account", "tld").filter(name=data.name).first()
    tld = domain.tld if domain else Tld.objects.filter(name=data.name.rsplit(".", 1)[-1]).first()
    policy = TransferPolicy.current_for(tld) if tld else None
    if policy is None:
        logger.warning("outgoing transfer of %s: no TLD or policy here", data.name)
        return None
    gaining, _created = Registrar.objects.get_or_create(
        client_id=data.requested_by, defaults={"name": data.requested_by}
    )
    transfer = Transfer(
        direction=Direction.OUTGOING,
        domain_name=data.name,
        tld=tld,
        domain=domain,
        account=_holder_of(domain) if domain else None,
        registrant=domain.registrant if domain else None,
        other_registrar=gaining,
        policy=policy,
        state=State.PENDING,
        registry_status=data.status,
        requested_at=data.requested_at,
        action_date=data.action_at,
        submitted_at=data.requested_at,
        next_check_at=_now() + policy.reconcile_after,
    )
    transfer.save()
    _record(
        transfer,
        "",
        _(
            "%(registrar)s asked the registry to transfer %(domain)s away from us; "
            "the registry approves it by itself at %(until)s."
        ),
        data={"gaining_registrar": data.requested_by},
        registrar=gaining.name,
        until=_when(data.action_at),
    )
    _after_commit(_start_flow(transfer.pk), _mail(transfer.pk, "outgoing_requested"))
    return transfer


def expire_confirmation(transfer_id: int) -> Transfer | None:
    """The confirmation link lapsed unused: the request ends (fired by the flow's timer)."""

    def lapse(t: Transfer) -> None:
        _wipe_code(t)
        t.outcome_reason = str(_("The registrant did not confirm the transfer in time."))

    return _transition(
        transfer_id,
        "expire",
        summary=_("The registrant did not confirm the transfer of %(domain)s in time; the request lapsed."),
        change=lapse,
        quiet_if=set(State.values),
        then=[_mail(transfer_id, "expired")],
    )


def reset_expired_authinfo_codes() -> int:
    """Codes whose validity ended are replaced at the registry by one nobody knows."""
    count = 0
    for issued in AuthInfoCode.objects.filter(reset_at__isnull=True, expires_at__lte=_now()).select_related(
        "domain__sponsor"
    ):
        if issued.domain.sponsor.is_us:
            with _gateway() as gateway:
                gateway.update_domain(
                    issued.domain.name,
                    authinfo=sealing.new_authinfo(),
                    idempotency_key=f"authinfo:{issued.pk}:reset",
                )
        with transaction.atomic():
            if not AuthInfoCode.objects.filter(pk=issued.pk, reset_at__isnull=True).update(
                reset_at=_now(), reset_reason=AuthInfoCode.ResetReason.EXPIRED
            ):
                continue
            record_event(
                event_type=EventType.AUTHINFO_RESET,
                summary=history_text(
                    _("The authinfo code of %(domain)s expired and was replaced at the registry."),
                    domain=issued.domain.display_name,
                ),
                channel=Channel.SYSTEM,
                subject=issued.domain,
                domain_name=issued.domain.name,
                data={"code_id": issued.pk, "reason": AuthInfoCode.ResetReason.EXPIRED},
            )
        count += 1
    return count
