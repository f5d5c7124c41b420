"""Our commands to the registry and its answers: the request, our cancel, approve or reject
of a pending transfer, the registry's outcome by poll message or query, and what a completed
transfer changes. The relay (``transfers.consequences``) runs the commands; each carries an
idempotency key, so a command sent again after a lost answer never acts twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from registry.epp.data import TransferData
from registry.epp.results import (
    CommandUseError,
    EppError,
    InvalidAuthInfo,
    ObjectNotPendingTransfer,
    RegistryUnavailable,
)
from registry.messages import TRANSFER_STATUS_LABELS, message_for
from registry.models import Domain, Registrar
from workflows import sealing
from workflows.cases import now, when
from workflows.errors import Refused

from .. import events
from ..kind import TRANSFERS
from ..models import AT_REGISTRY, AuthInfoAttempt, State, Transfer
from ..signals import transfer_completed
from .checks import attempt
from .steps import gateway, mail, our_client_id, registry_command, transition, wipe_code

logger = logging.getLogger("transfers.services")

APPROVED = ("clientApproved", "serverApproved")


def _registry_delayed(transfer_id: int, exc: RegistryUnavailable) -> None:
    TRANSFERS.registry_delayed(transfer_id, exc, str(message_for(exc)))


def send_transfer_request(transfer_id: int) -> str:
    """Send the confirmed request to the registry, with the code the customer entered. The
    idempotency key names the request and the code attempt, so a retry after a lost answer
    never sends a second request."""
    transfer = Transfer.objects.select_related("policy").get(pk=transfer_id)
    if transfer.state != State.SUBMITTING:
        return "stale"
    code = sealing.unseal(transfer.authinfo_sealed)
    if code is None:
        transition(
            transfer_id,
            "refuse_authinfo",
            summary=_(
                "The transfer code for %(domain)s is no longer readable; the customer must enter it again."
            ),
            quiet_if=set(State.values),
            then=[mail("authinfo_refused")],
        )
        return "code lost"
    try:
        with gateway(transfer.domain_name) as registry:
            result = registry.transfer_request(
                transfer.domain_name,
                code,
                idempotency_key=f"transfer:{transfer_id}:request:{transfer.attempts}",
            )
    except InvalidAuthInfo:

        def refused(t: Transfer) -> None:
            wipe_code(t)
            t.registry_answered()
            attempt(t.account, t.domain_name, t.authinfo_digest, AuthInfoAttempt.Outcome.WRONG, t)

        transition(
            transfer_id,
            "refuse_authinfo",
            summary=_("The registry refused the transfer code for %(domain)s."),
            change=refused,
            quiet_if=set(State.values),
            then=[mail("authinfo_refused")],
        )
        return "authinfo refused"
    except RegistryUnavailable as exc:
        _registry_delayed(transfer_id, exc)
        raise
    except EppError as exc:
        refusal = str(message_for(exc))

        def failed(t: Transfer) -> None:
            wipe_code(t)
            t.registry_answered()
            t.outcome_reason = refusal

        transition(
            transfer_id,
            "fail",
            summary=_("The registry refused the transfer of %(domain)s: %(why)s"),
            data={"code": exc.code},
            change=failed,
            quiet_if=set(State.values),
            then=[mail("failed")],
            params={"why": message_for(exc)},
        )
        return "refused"
    data = result.data if isinstance(result.data, TransferData) else None
    if data is None:  # an earlier attempt's success, replayed: ask for the details
        with gateway(transfer.domain_name) as registry:
            data = registry.transfer_query(transfer.domain_name, code_for_registry(transfer)).data
    keeps_code = transfer.registry_profile.transfer.code_with_every_operation

    def pending(t: Transfer) -> None:
        if not keeps_code:
            wipe_code(t)
        t.registry_answered()
        _copy_registry_dates(t, data)
        t.next_check_at = now() + t.policy.reconcile_after

    if transfer.subscriber_confirms_at_registry:
        summary = _(
            "The registry accepted the transfer request for %(domain)s and e-mails the registrant a "
            "confirmation link; unconfirmed, the request expires at %(until)s."
        )
    else:
        summary = _(
            "The registry accepted the transfer request for %(domain)s; "
            "the current registrar has until %(until)s."
        )
    moved = transition(
        transfer_id,
        "accept_request",
        summary=summary,
        data={"registry_status": data.status},
        change=pending,
        quiet_if=set(State.values),
        then=[mail("submitted")],
        params={"until": when(data.action_at)},
    )
    if moved is None:
        # Cancelled by the customer while the request was on its way: withdraw it there too.
        with transaction.atomic():
            late = TRANSFERS.locked(transfer_id)
            withdraw = late.state == State.CANCELLED and data.is_pending
            if not (withdraw and keeps_code):  # NASK's cancel carries the code: keep it till then
                wipe_code(late)
            late.registry_status = data.status
            late.save(update_fields=["authinfo_sealed", "registry_status"])
            if late.state == State.CANCELLED and data.is_pending:
                registry_command("cancel")(late)
        return "late"
    if not data.is_pending:
        apply_registry_status(transfer_id, data, source="request answer")
    return "pending"


def code_for_registry(transfer: Transfer) -> str | None:
    """The code, for a registry that wants it with every transfer operation (NASK: query,
    cancel and the resend carry it); None elsewhere, or once the code is gone."""
    if not transfer.registry_profile.transfer.code_with_every_operation:
        return None
    return sealing.unseal(transfer.authinfo_sealed) if transfer.authinfo_sealed else None


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
    code = code_for_registry(transfer)
    if code is None and transfer.registry_profile.transfer.code_with_every_operation:
        # The registry takes no cancel without the code, and ours can no longer be read: the
        # request stays pending at the registry, where it lapses unless the registrant confirms.
        logger.error("transfer %s: no readable code to send the registry our %s with", transfer_id, command)
        if transfer.state == state:
            transition(
                transfer_id,
                "back_to_pending",
                summary=_("Our %(command)s of the transfer of %(domain)s could not be sent: %(why)s"),
                change=lambda t: setattr(t, "registry_error", "code unreadable"),
                quiet_if=set(State.values),
                params={"command": command, "why": _("the transfer code is no longer readable")},
            )
        return "code lost"
    try:
        with gateway(transfer.domain_name) as registry:
            key = f"transfer:{transfer_id}:{command}:{transfer.attempts}"
            if command == "cancel":
                result = registry.transfer_cancel(transfer.domain_name, code, idempotency_key=key)
            else:
                result = getattr(registry, f"transfer_{command}")(transfer.domain_name, idempotency_key=key)
            data = (
                result.data
                if isinstance(result.data, TransferData)
                else registry.transfer_query(transfer.domain_name, code).data
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
            t.registry_answered()
            t.registry_error = refusal

        transition(
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
    if transfer.state == State.CANCELLED:
        # Withdrawn after our own cancel: the code (kept for the registry's cancel) goes now.
        with transaction.atomic():
            late = TRANSFERS.locked(transfer_id)
            wipe_code(late)
            late.save(update_fields=["authinfo_sealed"])
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
    code = code_for_registry(transfer)
    if code is None and transfer.registry_profile.transfer.code_with_every_operation:
        # The registry answers no query without the code: its poll messages tell us instead.
        logger.warning("transfer %s: no code to ask the registry with; waiting for its messages", transfer_id)
        with transaction.atomic():
            locked = TRANSFERS.locked(transfer_id)
            locked.next_check_at = now() + locked.policy.reconcile_every
            locked.save(update_fields=["next_check_at"])
        return "unknown"
    try:
        with gateway(transfer.domain_name) as registry:
            data = registry.transfer_query(transfer.domain_name, code).data
    except RegistryUnavailable:
        raise
    except (ObjectNotPendingTransfer, CommandUseError):
        # 2002: a registry that keeps no transfer data for the domain at all (Nomulus) has no
        # transfer of it, as a 2301 says.
        data = None
    if not isinstance(data, TransferData) or not _is_this_transfer(transfer, data):
        with transaction.atomic():
            locked = TRANSFERS.locked(transfer_id)
            locked.next_check_at = now() + locked.policy.reconcile_every
            locked.save(update_fields=["next_check_at"])
        return "unknown"
    return apply_registry_status(transfer_id, data, source="transfer query") or data.status


def _is_this_transfer(transfer: Transfer, data: TransferData) -> bool:
    us = our_client_id(transfer.domain_name)
    side = data.requested_by if transfer.is_incoming else data.action_by
    if side != us:
        return False
    return transfer.requested_at is None or data.requested_at >= transfer.requested_at - timedelta(minutes=10)


def apply_registry_status(transfer_id: int, data: TransferData, *, source: str) -> str:
    """Move the transfer to where the registry says it is; nothing if it is there already."""
    status = data.status
    if status == "pending":
        with transaction.atomic():
            transfer = TRANSFERS.locked(transfer_id)
            if transfer.state in AT_REGISTRY:
                _copy_registry_dates(transfer, data)
                transfer.next_check_at = now() + transfer.policy.reconcile_every
                transfer.save(
                    update_fields=["registry_status", "requested_at", "action_date", "next_check_at"]
                )
        return "pending"
    label = TRANSFER_STATUS_LABELS.get(status, status)

    def settle(t: Transfer) -> None:
        _copy_registry_dates(t, data)
        t.registry_answered()
        wipe_code(t)
        t.next_check_at = None

    if status in APPROVED:

        def complete(t: Transfer) -> None:
            settle(t)
            # In the same transaction: whoever sees "completed" sees the domain moved too.
            _after_completion(t, data)

        completed = transition(
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

        moved = transition(
            transfer_id,
            "reject",
            summary=_("The transfer of %(domain)s was rejected: %(label)s."),
            data={"registry_status": status, "source": source},
            change=rejected,
            quiet_if=set(State.values),
            then=[mail("rejected")],
            params={"label": label},
        )
        return "rejected" if moved else "unchanged"
    current = Transfer.objects.get(pk=transfer_id)
    if status == "serverCancelled" and current.subscriber_confirms_at_registry:

        def lapsed(t: Transfer) -> None:
            settle(t)
            t.outcome_reason = str(_("The registrant did not confirm the transfer at the registry in time."))

        moved = transition(
            transfer_id,
            "lapse_at_registry",
            summary=_("The transfer of %(domain)s expired at the registry: %(label)s."),
            data={"registry_status": status, "source": source},
            change=lapsed,
            quiet_if=set(State.values),
            # the customer who asked hears of it; for a domain leaving us nothing changed
            then=[mail("expired")] if current.is_incoming else [],
            params={"label": label},
        )
        return "expired" if moved else "unchanged"
    if status in ("clientCancelled", "serverCancelled"):
        moved = transition(
            transfer_id,
            "cancelled_at_registry",
            summary=_("The transfer of %(domain)s was cancelled: %(label)s."),
            data={"registry_status": status, "source": source},
            change=settle,
            quiet_if=set(State.values),
            then=[mail("cancelled")],
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
        if domain is not None:
            transfer.domain = domain
            events.domain_moved(transfer, domain, sponsor_before=before["sponsor"])
            transfer_completed.send(sender=Transfer, transfer=transfer, domain=domain)
        mail("completed")(transfer)


def ask_registry_to_resend(*, transfer: Transfer, actor, channel) -> None:
    """The customer (or staff for them) asks the registry to e-mail the registrant its
    transfer confirmation again (NASK); the request goes to the registry by the outbox."""
    if not transfer.can_resend_confirmation(actor):
        raise Refused(_("This transfer is not waiting for a confirmation the registry could send again."))
    with TRANSFERS.step(transfer.pk) as current:
        if not current.can_resend_confirmation(actor):
            raise TRANSFERS.conflict(current)
        events.state_changed(
            current,
            current.state,
            _("Asked the registry to send the confirmation of the transfer of %(domain)s again."),
            actor=actor,
            channel=channel,
        )
        registry_command("resend")(current)


def resend_at_registry(transfer_id: int) -> str:
    """Send the registry our request for its confirmation e-mail again (with the code, as
    NASK wants it). Sending it twice sends two e-mails, so no idempotency key is needed."""
    transfer = Transfer.objects.get(pk=transfer_id)
    if transfer.state != State.PENDING:
        return "stale"
    code = code_for_registry(transfer)
    if code is None:
        logger.warning("transfer %s: no code to ask the registry for its confirmation again", transfer_id)
        return "code lost"
    try:
        with gateway(transfer.domain_name) as registry:
            registry.transfer_resend_confirmation(transfer.domain_name, code)
    except ObjectNotPendingTransfer:
        return reconcile_transfer(transfer_id)
    except RegistryUnavailable as exc:
        _registry_delayed(transfer_id, exc)
        raise
    except EppError as exc:
        with TRANSFERS.step(transfer_id) as current:
            events.state_changed(
                current,
                current.state,
                _("The registry did not send the confirmation of %(domain)s again: %(why)s"),
                data={"code": exc.code},
                why=message_for(exc),
            )
        return "refused"
    with TRANSFERS.step(transfer_id) as current:
        events.state_changed(
            current,
            current.state,
            _("The registry sent the registrant the confirmation of the transfer of %(domain)s again."),
        )
    return "sent"
