"""A domain comes to us: the request, the staff check, the registrant's confirmation, a new
code after a refused one, the customer's cancellation and the confirmation deadline.

The authinfo code a customer enters is passed as an argument, sealed for storage, and never
put in an exception, a log line, a history event or an outbox message.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from registry.epp.results import InvalidAuthInfo, ObjectDoesNotExist, RegistryError
from registry.messages import message_for
from registry.models import Domain, Registrar, Tld
from registry.names import parse_domain_name
from workflows import outbox, sealing
from workflows.cases import is_staff, now
from workflows.errors import Refused
from workflows.models import Channel
from workflows.roles import team_permission

from .. import events
from ..kind import TRANSFERS
from ..models import (
    CANCELLABLE_LOCALLY,
    AuthInfoAttempt,
    ConfirmationToken,
    Direction,
    State,
    Transfer,
    TransferPolicy,
)
from .checks import (
    attempt,
    check_code_format,
    check_domain_at_registry,
    check_rate_limit,
    registrant_address,
    registry_refusal,
    review_reasons,
)
from .steps import gateway, mail, registry_command, transition, wipe_code


def _set_confirmation_deadline(transfer: Transfer) -> None:
    transfer.confirmation_deadline = now() + transfer.policy.confirmation_validity


def _issue_confirmation(transfer: Transfer, *, deadline_set: bool = False) -> None:
    """A new confirmation link, in the caller's transaction; the link goes out by the outbox,
    its token sealed until the mail is sent (we keep only the token's digest). The caller
    saves the transfer with its new deadline, unless it set it before (``deadline_set``)."""
    token = sealing.new_token()
    if not deadline_set:
        _set_confirmation_deadline(transfer)
    ConfirmationToken.objects.create(
        transfer=transfer,
        token_digest=sealing.token_digest(token),
        email=transfer.confirmation_email,
        expires_at=transfer.confirmation_deadline,
    )
    outbox.emit(
        "transfers.confirmation",
        {"transfer": transfer.pk, "to": transfer.confirmation_email},
        case=transfer,
        sealed=sealing.seal(token),
    )


def _already_open(name) -> Refused:
    return Refused(_("A transfer request for %(domain)s is already open with us.") % {"domain": name.unicode})


def start_incoming_transfer(
    *, account, domain_name: str, authinfo: str, registrant=None, actor, channel
) -> Transfer:
    """Check everything the registry and our rules allow us to check, then open the request
    and ask the registrant to confirm (or put it before staff first when a check flags it)."""
    try:
        name = parse_domain_name(domain_name)
    except ValidationError as exc:
        raise Refused(exc.messages[0]) from None
    tld = Tld.objects.filter(name=name.tld, active=True).first()
    if tld is None:
        raise Refused(_("We do not offer .%(tld)s domains.") % {"tld": name.tld})
    policy = TransferPolicy.current_for(tld)
    if policy is None:
        raise Refused(_("Transfers of .%(tld)s domains are not offered at the moment.") % {"tld": tld.name})
    if registrant is not None and registrant.account_id != account.pk:
        raise Refused(_("Choose one of your own registrant profiles."))
    code = check_code_format(authinfo, name.ascii)
    code_digest = sealing.digest(name.ascii, code)
    check_rate_limit(account, name.ascii, code_digest)
    if Transfer.objects.open().filter(domain_name=name.ascii).exists():
        raise _already_open(name)

    fallback_email = registrant.email if registrant is not None else account.email
    with gateway(name.ascii) as registry:
        try:
            info = registry.domain_info(name.ascii, code, actor=actor, channel=channel).data
        except InvalidAuthInfo as exc:
            attempt(account, name.ascii, code_digest, AuthInfoAttempt.Outcome.WRONG)
            raise Refused(message_for(exc)) from None
        except ObjectDoesNotExist:
            raise Refused(
                _("The registry has no domain %(domain)s. Check the name.") % {"domain": name.unicode}
            ) from None
        except RegistryError as exc:
            raise registry_refusal(exc) from None
        check_domain_at_registry(info, policy)
        address = registrant_address(registry, info, code, fallback_email)

    reasons = review_reasons(name.ascii, address)
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
            if not reasons:
                _set_confirmation_deadline(transfer)
            transfer.save()
            if not reasons:
                _issue_confirmation(transfer, deadline_set=True)
            attempt(account, name.ascii, code_digest, AuthInfoAttempt.Outcome.ACCEPTED, transfer)
            summary = (
                _("Transfer of %(domain)s to us requested; a staff check comes first (%(reasons)s).")
                if reasons
                else _("Transfer of %(domain)s to us requested; confirmation sent to %(email)s (%(source)s).")
            )
            events.state_changed(
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
            mail("started")(transfer)
            TRANSFERS.start_flow(transfer, new=True)
    except IntegrityError:
        raise _already_open(name) from None
    return transfer


def review_transfer(*, transfer: Transfer, approved: bool, note: str, actor, channel) -> Transfer:
    """Staff decide on a flagged incoming request: it goes on to the registrant, or ends."""
    if actor is None or not actor.has_perm(team_permission("domains")):
        raise Refused(_("Only the domains team reviews transfer requests."))
    if not approved and not (note or "").strip():
        raise Refused(_("Say why the request is refused; the customer will read it."))
    if approved:
        return transition(
            transfer.pk,
            "pass_review",
            summary=_("Staff checked the transfer of %(domain)s and let it go on to the registrant."),
            actor=actor,
            channel=channel,
            reason=note,
            change=_issue_confirmation,
        )

    def refuse(t: Transfer) -> None:
        wipe_code(t)
        t.outcome_reason = note

    return transition(
        transfer.pk,
        "refuse_after_review",
        summary=_("Staff refused the transfer of %(domain)s after a check."),
        actor=actor,
        channel=channel,
        reason=note,
        change=refuse,
        then=[mail("rejected")],
    )


def confirm_transfer(*, token: str) -> Transfer:
    """The registrant followed the link: the request goes to the registry."""
    digest = sealing.token_digest(token or "")
    # The link is looked up in the step's own transaction, so the step commits once.
    with transaction.atomic():
        found = ConfirmationToken.objects.filter(token_digest=digest).first()
        if found is None:
            raise Refused(_("This confirmation link is not valid."))
        with TRANSFERS.step(found.transfer_id, savepoint=False) as transfer:
            if transfer.state != State.AWAITING_CONFIRMATION:
                if found.used_at is not None:
                    return transfer  # a second click on the same link shows where the request stands
                raise TRANSFERS.conflict(transfer)
            # Under the transfer's lock the link can only have changed with the transfer's
            # state, which is checked above; the update makes sure all the same.
            moment = now()
            used = ConfirmationToken.objects.filter(
                pk=found.pk, used_at__isnull=True, expires_at__gt=moment
            ).update(used_at=moment)
            if not used:
                raise Refused(_("This confirmation link has expired; the request has lapsed."))
            before = TRANSFERS.move(transfer, "confirm")
            transfer.save()
            events.state_changed(
                transfer,
                before,
                _("The registrant confirmed the transfer of %(domain)s through the link sent to %(email)s."),
                email=found.email,
                # The registrant may have no account here: the link is what identifies them.
                actor_label=f"registrant <{found.email}> (confirmation link)",
                channel=Channel.WEB,
                data={"confirmed_through": "e-mail link"},
            )
            registry_command("request")(transfer)
    return transfer


def resubmit_authinfo(*, transfer: Transfer, authinfo: str, actor, channel) -> Transfer:
    """A new code after the registry refused the last one: the request goes again, without
    a new confirmation."""
    if not (actor is not None and (actor.pk == transfer.account_id or is_staff(actor))):
        raise Refused(_("Only the customer who asked for this transfer can enter a new code."))
    current = Transfer.objects.get(pk=transfer.pk)
    if current.state != State.AUTHINFO_INVALID:
        raise TRANSFERS.conflict(current)
    code = check_code_format(authinfo, current.domain_name)
    code_digest = sealing.digest(current.domain_name, code)
    check_rate_limit(current.account, current.domain_name, code_digest)
    with gateway(current.domain_name) as registry:
        try:
            registry.domain_info(current.domain_name, code, actor=actor, channel=channel)
        except InvalidAuthInfo as exc:
            attempt(current.account, current.domain_name, code_digest, AuthInfoAttempt.Outcome.WRONG, current)
            raise Refused(message_for(exc)) from None
        except RegistryError as exc:
            raise registry_refusal(exc) from None

    def store(t: Transfer) -> None:
        t.authinfo_sealed = sealing.seal(code)
        t.authinfo_digest = code_digest
        t.registry_answered()
        attempt(t.account, t.domain_name, code_digest, AuthInfoAttempt.Outcome.ACCEPTED, t)

    return transition(
        transfer.pk,
        "resubmit",
        summary=_("A new transfer code for %(domain)s was entered; the request goes to the registry again."),
        actor=actor,
        channel=channel,
        change=store,
        then=[registry_command("request")],
    )


def cancel_transfer(*, transfer: Transfer, actor, channel, reason: str = "") -> Transfer:
    """The customer (or staff for them) withdraws an incoming request. Before it reaches the
    registry it simply ends; while pending there, the registry is asked to cancel it."""
    if not transfer.is_incoming:
        raise Refused(_("Only a transfer to us can be cancelled here."))
    if not (actor is not None and (actor.pk == transfer.account_id or is_staff(actor))):
        raise Refused(_("Only the customer who asked for this transfer can cancel it."))
    with TRANSFERS.step(transfer.pk) as current:
        if current.state in CANCELLABLE_LOCALLY:
            before = TRANSFERS.move(current, "cancel")
            wipe_code(current)
            current.outcome_reason = reason
            current.save()
            ConfirmationToken.objects.filter(transfer=current, used_at__isnull=True).update(expires_at=now())
            events.state_changed(
                current,
                before,
                _("The transfer of %(domain)s was cancelled before it reached the registry."),
                actor=actor,
                channel=channel,
                reason=reason,
            )
            mail("cancelled")(current)
            return current
        if current.state == State.PENDING:
            before = TRANSFERS.move(current, "request_cancel")
            current.outcome_reason = reason
            current.registry_answered()
            current.save()
            events.state_changed(
                current,
                before,
                _("Cancellation of the transfer of %(domain)s sent to the registry."),
                actor=actor,
                channel=channel,
                reason=reason,
            )
            registry_command("cancel")(current)
            return current
        raise TRANSFERS.conflict(current)


def expire_confirmation(transfer_id: int) -> Transfer | None:
    """The confirmation link lapsed unused: the request ends. The flow's timer runs this, and
    its flow moves on by itself."""

    def lapse(t: Transfer) -> None:
        wipe_code(t)
        t.outcome_reason = str(_("The registrant did not confirm the transfer in time."))

    return transition(
        transfer_id,
        "expire",
        summary=_("The registrant did not confirm the transfer of %(domain)s in time; the request lapsed."),
        change=lapse,
        quiet_if=set(State.values),
        then=[mail("expired")],
        catch_up=False,
    )
