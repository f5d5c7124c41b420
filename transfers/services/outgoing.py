"""A domain leaves us: another registrar asked for it (a poll message said so); the
registrant may let it go at once, the domains team may stop it on a ground the policy allows."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from registry.epp.data import TransferData
from registry.models import Domain, Registrar, Tld
from workflows.cases import is_staff, now, when
from workflows.errors import Refused
from workflows.roles import team_permission

from .. import events
from ..kind import TRANSFERS
from ..models import Direction, State, Transfer, TransferPolicy
from ..policy import RejectionReason
from .steps import mail, registry_command, transition

logger = logging.getLogger("transfers.services")


def approve_outgoing(*, transfer: Transfer, actor, channel) -> Transfer:
    """The registrant lets the domain go at once, without waiting for the registry's window."""
    if transfer.is_incoming or not (
        actor is not None and (actor.pk == transfer.account_id or is_staff(actor))
    ):
        raise Refused(_("Only the registrant of the domain can approve its transfer."))
    _check_losing_registrar_decides(transfer)

    def mark(t: Transfer) -> None:
        t.registry_answered()

    return transition(
        transfer.pk,
        "request_approve",
        summary=_("Approval of the transfer of %(domain)s to another registrar sent to the registry."),
        actor=actor,
        channel=channel,
        change=mark,
        then=[registry_command("approve")],
    )


def reject_outgoing(*, transfer: Transfer, reason_code: str, explanation: str, actor, channel) -> Transfer:
    """Staff stop a transfer away from us, only on a ground the TLD's policy allows."""
    if not is_staff(actor) or not actor.has_perm(team_permission("domains")):
        raise Refused(_("Only the domains team may reject a transfer to another registrar."))
    if transfer.is_incoming:
        raise Refused(_("Only a transfer to another registrar can be rejected here."))
    _check_losing_registrar_decides(transfer)
    if reason_code not in RejectionReason.values or not transfer.policy.allows_rejection(reason_code):
        raise Refused(
            _("A transfer of a .%(tld)s domain may be rejected only for: %(reasons)s.")
            % {
                "tld": transfer.tld.name,
                "reasons": "; ".join(str(label) for _c, label in transfer.policy.rejection_choices()),
            }
        )
    if not (explanation or "").strip():
        raise Refused(_("Describe the grounds for the rejection; they go on record."))

    def mark(t: Transfer) -> None:
        t.rejection_reason = reason_code
        t.outcome_reason = explanation
        t.registry_answered()

    return transition(
        transfer.pk,
        "request_reject",
        summary=_("Rejection of the transfer of %(domain)s sent to the registry (%(ground)s)."),
        actor=actor,
        channel=channel,
        reason=explanation,
        data={"rejection_reason": reason_code},
        change=mark,
        then=[registry_command("reject")],
        params={"ground": RejectionReason(reason_code).label},
    )


def _check_losing_registrar_decides(transfer: Transfer) -> None:
    if not transfer.registry_profile.transfer.losing_registrar_decides:
        raise Refused(
            _(
                "At this registry the registrant answers the registry's own e-mail; the current "
                "registrar can neither approve nor reject the transfer."
            )
        )


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
        account=domain.holder if domain else None,
        registrant=domain.registrant if domain else None,
        other_registrar=gaining,
        policy=policy,
        state=State.PENDING,
        registry_status=data.status,
        requested_at=data.requested_at,
        action_date=data.action_at,
        submitted_at=data.requested_at,
        next_check_at=now() + policy.reconcile_after,
    )
    transfer.save()
    if transfer.subscriber_confirms_at_registry:
        summary = _(
            "%(registrar)s asked the registry to transfer %(domain)s away from us; the registry asks "
            "the registrant to confirm by e-mail, and unconfirmed the request expires at %(until)s."
        )
    else:
        summary = _(
            "%(registrar)s asked the registry to transfer %(domain)s away from us; "
            "the registry approves it by itself at %(until)s."
        )
    events.state_changed(
        transfer,
        "",
        summary,
        data={"gaining_registrar": data.requested_by},
        registrar=gaining.name,
        until=when(data.action_at),
    )
    mail("outgoing_requested")(transfer)
    TRANSFERS.start_flow(transfer)
    return transfer
