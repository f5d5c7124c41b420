"""What the registrant of a domain we hold does with it: ask for its authinfo code (set at
the registry, shown once, mailed, kept only as a digest), lock or unlock its transfers; and the
reset of codes whose validity ended. A code dies when the domain leaves by transfer
(``receivers``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from registry.epp.results import RegistryError
from registry.gateway import RegistryGateway
from registry.models import Domain
from transfers.models import TransferPolicy
from transfers.services.checks import registry_refusal
from workflows import outbox, sealing
from workflows.cases import is_staff, now
from workflows.errors import Refused

from . import events
from .comparison import check_against_registry
from .models import AuthInfoCode
from .registrants import check_verified_registrant


def gateway(domain_name: str) -> RegistryGateway:
    return RegistryGateway.for_domain(domain_name)


def check_domain_owner(domain: Domain, actor) -> None:
    if not domain.sponsor.is_us:
        raise Refused(_("%(domain)s is not held with us.") % {"domain": domain.display_name})
    holder = domain.holder
    if not (actor is not None and ((holder is not None and actor.pk == holder.pk) or is_staff(actor))):
        raise Refused(_("Only the registrant of %(domain)s can do this.") % {"domain": domain.display_name})
    check_verified_registrant(domain)


def issue_authinfo(*, domain: Domain, actor, channel) -> str:
    """A new authinfo code for a domain we hold: set at the registry, returned once (the page
    shows it once) and mailed to the registrant; we keep only its digest."""
    check_domain_owner(domain, actor)
    check_against_registry(domain, found_by="authinfo")
    policy = TransferPolicy.current_for(domain.tld)
    if policy is None:
        raise Refused(
            _("Transfers of .%(tld)s domains are not offered at the moment.") % {"tld": domain.tld.name}
        )
    code = sealing.new_authinfo()
    try:
        with gateway(domain.name) as registry:
            registry.update_domain(domain.name, authinfo=code, actor=actor, channel=channel)
    except RegistryError as exc:
        raise registry_refusal(exc) from None
    moment = now()
    with transaction.atomic():
        AuthInfoCode.objects.filter(domain=domain, reset_at__isnull=True).update(
            reset_at=moment, reset_reason=AuthInfoCode.ResetReason.REPLACED
        )
        issued = AuthInfoCode.objects.create(
            domain=domain,
            code_digest=sealing.digest(domain.name, code),
            issued_at=moment,
            expires_at=moment + policy.authinfo_validity,
            issued_by=actor,
            policy=policy,
        )
        events.authinfo_issued(domain, issued, actor=actor, channel=channel)
        # The one place the code goes besides the one-time screen: sealed until it is mailed.
        outbox.emit(
            "domains.authinfo_issued",
            {"code": issued.pk},
            case=domain,
            sealed=sealing.seal(code),
        )
    return code


def set_transfer_lock(*, domain: Domain, locked: bool, actor, channel) -> None:
    """The registrant locks or unlocks transfers of their domain (clientTransferProhibited)."""
    check_domain_owner(domain, actor)
    status = "clientTransferProhibited"
    try:
        with gateway(domain.name) as registry:
            if locked:
                registry.update_domain(domain.name, add_statuses=[status], actor=actor, channel=channel)
            else:
                registry.update_domain(domain.name, remove_statuses=[status], actor=actor, channel=channel)
    except RegistryError as exc:
        raise registry_refusal(exc) from None
    with transaction.atomic():
        row = Domain.objects.select_for_update().get(pk=domain.pk)
        before = sorted(row.statuses or [])
        statuses = set(before) | {status} if locked else set(before) - {status}
        row.statuses = sorted(statuses)
        row.save(update_fields=["statuses"])
        events.transfer_lock_changed(row, locked=locked, before=before, actor=actor, channel=channel)
    domain.statuses = row.statuses


def void_codes(domain: Domain, reason: str, *, at_registry: bool) -> int:
    """The domain changed hands: every code issued before is void, in the caller's transaction,
    and (``at_registry``, for a domain we sponsor) unset at the registry by the outbox, the way
    RFC 9154 says, so that nobody can use a code given out before. Returns how many of ours
    were still valid."""
    voided = AuthInfoCode.objects.filter(domain=domain, reset_at__isnull=True).update(
        reset_at=now(), reset_reason=reason
    )
    if at_registry:
        outbox.emit("domains.unset_authinfo", {"domain": domain.pk, "reason": reason}, case=domain)
    return voided


def unset_at_registry(domain: Domain, *, idempotency_key: str) -> None:
    """No code works for the domain any more: ``<domain:null/>`` in its authInfo (at a registry
    that has none, a code nobody is told: ``registry.epp.frames.NaskFrames``)."""
    with gateway(domain.name) as registry:
        registry.update_domain(domain.name, remove_authinfo=True, idempotency_key=idempotency_key)


def reset_expired_authinfo_codes() -> int:
    """Codes whose validity ended are unset at the registry (RFC 9154), so that none works."""
    count = 0
    for issued in AuthInfoCode.objects.filter(reset_at__isnull=True, expires_at__lte=now()).select_related(
        "domain__sponsor"
    ):
        if issued.domain.sponsor.is_us:
            unset_at_registry(issued.domain, idempotency_key=f"authinfo:{issued.pk}:reset")
        with transaction.atomic():
            if not AuthInfoCode.objects.filter(pk=issued.pk, reset_at__isnull=True).update(
                reset_at=now(), reset_reason=AuthInfoCode.ResetReason.EXPIRED
            ):
                continue
            events.authinfo_reset(issued)
        count += 1
    return count
