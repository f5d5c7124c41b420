"""EPP domain statuses put into words for people."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class StatusText:
    code: str
    text: str | Promise
    # "ok", "info" (a lock the customer may have asked for) or "warning" (needs attention)
    tone: str


# EPP domain statuses (RFC 5731 section 2.3, RFC 3915 for the redemption ones). "client"
# statuses are set by us as the sponsoring registrar, "server" ones by the registry.
_STATUSES: dict[str, tuple[Promise, str]] = {
    "ok": (_("Active"), "ok"),
    "inactive": (_("Not delegated (no name servers)"), "warning"),
    "clientTransferProhibited": (_("Transfer locked"), "info"),
    "serverTransferProhibited": (_("Transfer locked by the registry"), "info"),
    "clientDeleteProhibited": (_("Deletion locked"), "info"),
    "serverDeleteProhibited": (_("Deletion locked by the registry"), "info"),
    "clientUpdateProhibited": (_("Changes locked"), "info"),
    "serverUpdateProhibited": (_("Changes locked by the registry"), "info"),
    "clientRenewProhibited": (_("Renewal locked"), "warning"),
    "serverRenewProhibited": (_("Renewal locked by the registry"), "warning"),
    "clientHold": (_("Suspended: not published in DNS"), "warning"),
    "serverHold": (_("Suspended by the registry: not published in DNS"), "warning"),
    "pendingCreate": (_("Registration in progress"), "info"),
    "pendingRenew": (_("Renewal in progress"), "info"),
    "pendingTransfer": (_("Transfer in progress"), "warning"),
    "pendingUpdate": (_("Change in progress"), "info"),
    "pendingDelete": (_("Being deleted"), "warning"),
    "redemptionPeriod": (_("Deleted: can still be restored"), "warning"),
    "pendingRestore": (_("Restore in progress"), "info"),
}


def describe_statuses(codes: list[str] | None) -> list[StatusText]:
    """Words for a domain's EPP statuses; a domain with none is simply active."""
    if not codes:
        codes = ["ok"]
    described = []
    for code in codes:
        text, tone = _STATUSES.get(code, (code, "info"))
        described.append(StatusText(code=code, text=text, tone=tone))
    return described
