"""The checks before a transfer request: the code as typed, the limits on wrong codes, and
the domain as the registry sees it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from registry.epp.data import DomainInfo
from registry.epp.results import RegistryError, RegistryUnavailable
from registry.gateway import RegistryGateway
from registry.messages import message_for
from registry.profiles import profile_for
from workflows.cases import now, when
from workflows.errors import Refused

from ..models import AuthInfoAttempt, Transfer, TransferPolicy
from .steps import our_client_id

logger = logging.getLogger("transfers.services")

TRANSFER_LOCK_STATUSES = ("clientTransferProhibited", "serverTransferProhibited")

# Wrong codes are counted per account: one customer's typos never block another customer, nor
# the same customer's other domains. Per domain a typo or two is human; across many domains in
# an hour it is a scan.
WRONG_CODE_LIMIT = 5
WRONG_CODES_PER_ACCOUNT = 30
WRONG_CODE_WINDOW = timedelta(hours=1)


def check_code_format(authinfo: str, domain_name: str) -> str:
    code = (authinfo or "").strip()
    if not code:
        raise Refused(_("Enter the transfer code (authinfo) you received from the current registrar."))
    # Checked here so that a malformed code never reaches a frame, whose schema errors would quote it.
    if len(code) > 64 or any(ch.isspace() or not ch.isprintable() for ch in code):
        raise Refused(_("That does not look like a transfer code: it has 1 to 64 characters and no spaces."))
    shortest, longest = profile_for(domain_name).transfer.accepted_code_length
    if not shortest <= len(code) <= longest:
        raise Refused(
            _("A transfer code for this domain's registry has %(shortest)s to %(longest)s characters.")
            % {"shortest": shortest, "longest": longest}
        )
    return code


def _blocked_until(attempts, limit: int):
    """When the oldest of the last ``limit`` wrong codes leaves the window, or None if fewer."""
    latest = list(attempts.order_by("-attempted_at").values_list("attempted_at", flat=True)[:limit])
    return latest[-1] + WRONG_CODE_WINDOW if len(latest) >= limit else None


def check_rate_limit(account, domain_name: str, code_digest: str) -> None:
    since = now() - WRONG_CODE_WINDOW
    mine = AuthInfoAttempt.objects.filter(
        outcome=AuthInfoAttempt.Outcome.WRONG, attempted_at__gte=since, account=account
    )
    until = _blocked_until(mine.filter(domain_name=domain_name), WRONG_CODE_LIMIT)
    if until is not None:
        raise Refused(
            _(
                "You entered %(count)s wrong transfer codes for this domain in the last hour. From "
                "%(when)s you can try again; check the code with the current registrar first."
            )
            % {"count": WRONG_CODE_LIMIT, "when": when(until)}
        )
    until = _blocked_until(mine, WRONG_CODES_PER_ACCOUNT)
    if until is not None:
        raise Refused(
            _(
                "Too many wrong transfer codes were entered from your account in the last hour. "
                "From %(when)s you can try again."
            )
            % {"when": when(until)}
        )
    if AuthInfoAttempt.objects.filter(
        domain_name=domain_name, code_digest=code_digest, outcome=AuthInfoAttempt.Outcome.WRONG
    ).exists():
        raise Refused(
            _(
                "The registry has already refused this code for this domain. Check it, or ask the "
                "current registrar for a new one."
            )
        )


def attempt(
    account, domain_name: str, code_digest: str, outcome: str, transfer: Transfer | None = None
) -> None:
    AuthInfoAttempt.objects.create(
        account=account, domain_name=domain_name, code_digest=code_digest, outcome=outcome, transfer=transfer
    )


def registry_refusal(exc: RegistryError) -> Refused:
    if isinstance(exc, RegistryUnavailable):
        return Refused(
            _(
                "The registry cannot be reached at the moment, so we cannot check the domain. "
                "Please try again soon."
            )
        )
    return Refused(message_for(exc))


def check_domain_at_registry(info: DomainInfo, policy: TransferPolicy) -> None:
    """The registry's view of the domain allows a transfer to us now, or Refused."""
    name = info.name
    if info.sponsor == our_client_id(name):
        raise Refused(_("%(domain)s is already with us; there is nothing to transfer.") % {"domain": name})
    locks = [s for s in TRANSFER_LOCK_STATUSES if s in info.statuses]
    if locks:
        raise Refused(
            _(
                "%(domain)s is locked against transfers (%(statuses)s). Ask the current registrar to "
                "remove the lock, then try again."
            )
            % {"domain": name, "statuses": ", ".join(locks)}
        )
    if "pendingDelete" in info.statuses:
        raise Refused(_("%(domain)s is being deleted and cannot be transferred.") % {"domain": name})
    if "pendingTransfer" in info.statuses:
        raise Refused(
            _("A transfer of %(domain)s is already in progress at the registry.") % {"domain": name}
        )
    moment = now()
    if info.expires_at is not None and info.expires_at <= moment:
        raise Refused(
            _("%(domain)s has expired. Renew it with the current registrar first.") % {"domain": name}
        )
    if info.transferred_at is not None:
        since, window, what = info.transferred_at, policy.transfer_lock, _("its last transfer")
    else:
        since, window, what = info.created_at, policy.registration_lock, _("its registration")
    if since is not None and moment < since + window:
        raise Refused(
            _(
                "%(domain)s cannot be transferred within %(days)s days of %(what)s. "
                "It can be transferred from %(date)s."
            )
            % {"domain": name, "days": window.days, "what": what, "date": when(since + window)}
        )


@dataclass(frozen=True)
class RegistrantAddress:
    email: str
    source: str  # "registry" or "profile"


def registrant_address(
    gateway: RegistryGateway, info: DomainInfo, authinfo: str, fallback: str
) -> RegistrantAddress:
    """The registrant's e-mail as the registry holds it (read with the domain's authInfo,
    as a gaining registrar may), else the address the customer gave us."""
    if info.registrant:
        try:
            contact = gateway.contact_info(info.registrant, authinfo, authinfo_roid=info.roid).data
        except RegistryError as exc:
            logger.info("registrant of %s not readable at the registry: %s", info.name, type(exc).__name__)
        else:
            if contact is not None and contact.email:
                return RegistrantAddress(contact.email, "registry")
    return RegistrantAddress(fallback, "profile")


def review_reasons(domain_name: str, address: RegistrantAddress) -> list[str]:
    reasons = []
    if address.source == "profile":
        reasons.append("registrant_email_from_customer")
    if domain_name in {d.lower() for d in settings.TRANSFERS_REVIEW_DOMAINS}:
        reasons.append("high_value_domain")
    return reasons
