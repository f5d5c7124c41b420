"""Registry profiles: what differs from one registry to another, as data.

A domain's TLD names its registry (``settings.REGISTRY_TLDS``); the registry's profile says
how to reach it (``transport``, with the connection in the setting ``connection_setting``),
which EPP dialect it speaks (``frames``), how its transfers work (``transfer``), what its
result codes mean beyond RFC 5730 and which poll messages it sends and what each does to a
case. Services ask the profile (``profile_for(domain_name)``) and never test a TLD themselves.

The NASK profile follows docs/registries/nask-epp.md: the losing registrar neither approves
nor rejects, the registry e-mails the subscriber a confirmation link and the transfer
completes when it is used, and it expires unconfirmed after the registry's window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .epp.frames import NASK_FRAMES, RFC_FRAMES, Frames
from .epp.namespaces import Namespaces


@dataclass(frozen=True)
class TransferModel:
    # the losing registrar answers the request (RFC 5731 approve/reject)
    losing_registrar_decides: bool
    # the registry completes a request nobody answered after this long (gTLD: 5 days); None:
    # an unanswered request expires instead
    registry_approves_after: timedelta | None
    # the registry itself asks the subscriber (NASK: a link in an e-mail) and completes the
    # transfer when the subscriber confirms
    subscriber_confirms_at_registry: bool
    # how long a request stays pending at the registry before it ends one way or the other
    pending_window: timedelta
    # query and cancel carry the code too, so it is kept sealed until the transfer ends
    code_with_every_operation: bool
    # lengths of codes the registry accepts, and of the codes we issue
    accepted_code_length: tuple[int, int]
    issued_code_length: tuple[int, int]

    @property
    def can_resend_confirmation(self) -> bool:
        return self.subscriber_confirms_at_registry


@dataclass(frozen=True)
class PollKind:
    """One kind of poll message: what it is, and what it does to a case of ours."""

    label: str
    effect: str  # "transfer", "authinfo", "expiry", "notice"


@dataclass(frozen=True)
class RegistryProfile:
    key: str  # "rfc", "nask"
    label: str
    frames: Frames
    transport: str  # "tcp" (RFC 5734) or "https" (a POST per frame, the session in a cookie)
    connection_setting: str  # the setting holding HOST/PORT or URL, CLIENT_ID, PASSWORD, ...
    transfer: TransferModel
    # what a result code means at this registry, where it says more than RFC 5730's text
    result_meanings: Mapping[int, str] = field(default_factory=dict)
    # poll messages by the local name of their resData element (trnData, pollAuthInfo, ...)
    poll_kinds: Mapping[str, PollKind] = field(default_factory=dict)

    @property
    def namespaces(self) -> Namespaces:
        return self.frames.ns

    def connection(self) -> dict[str, Any]:
        config = getattr(settings, self.connection_setting, None)
        if not config:
            raise ImproperlyConfigured(f"settings.{self.connection_setting} is not set ({self.label})")
        return dict(config)

    @property
    def client_id(self) -> str:
        """Our registrar ID at this registry."""
        return self.connection()["CLIENT_ID"]

    def meaning(self, code: int) -> str:
        return self.result_meanings.get(code, "")


GTLD_TRANSFER = TransferModel(
    losing_registrar_decides=True,
    registry_approves_after=timedelta(days=5),
    subscriber_confirms_at_registry=False,
    pending_window=timedelta(days=5),
    code_with_every_operation=False,
    accepted_code_length=(6, 64),
    issued_code_length=(16, 32),
)

NASK_TRANSFER = TransferModel(
    losing_registrar_decides=False,
    registry_approves_after=None,
    subscriber_confirms_at_registry=True,
    # the acDate of NASK's "transfer requested" message is 30 days after the request
    pending_window=timedelta(days=30),
    code_with_every_operation=True,
    accepted_code_length=(6, 64),
    issued_code_length=(20, 64),
)

RFC_POLL_KINDS = {
    "trnData": PollKind("transfer status", "transfer"),
}

NASK_POLL_KINDS = {
    "trnData": PollKind("transfer status (requested, confirmed, cancelled, expired)", "transfer"),
    "pollAuthInfo": PollKind("a domain's authInfo handed over by the registry", "authinfo"),
    "expData": PollKind("domains about to expire", "expiry"),
    "dlgData": PollKind("domains delegated to a name server", "notice"),
    "pollDomainBlocked": PollKind("domain blocked", "notice"),
    "pollDomainUnblocked": PollKind("domain unblocked", "notice"),
    "pollFutureRemoved": PollKind("future removed because of a blockade", "notice"),
    "pollDomainJudicialRemoved": PollKind("domain removed by a court decision", "notice"),
    "pollDomainAutoRenewed": PollKind("domain renewed automatically", "notice"),
    "pollDomainAutoRenewFailed": PollKind("automatic renewal failed", "notice"),
    "pollDomainLocked": PollKind("domain locked (prepaid)", "notice"),
    "pollDomainUnlocked": PollKind("domain unlocked (prepaid)", "notice"),
    "passwdReminder": PollKind("our registry password expires", "notice"),
    "accountBalanceInsufficient": PollKind("prepaid account balance insufficient", "notice"),
    "accountBalanceCrossed": PollKind("prepaid account balance notification level", "notice"),
    "delData": PollKind("contacts deleted by the registry", "notice"),
}

RFC = RegistryProfile(
    key="rfc",
    label="EPP (RFC 5730-5734)",
    frames=RFC_FRAMES,
    transport="tcp",
    connection_setting="REGISTRY",
    transfer=GTLD_TRANSFER,
    result_meanings={
        2106: "the domain is not eligible for transfer (too soon after its registration or last transfer)",
    },
    poll_kinds=RFC_POLL_KINDS,
)

NASK = RegistryProfile(
    key="nask",
    label="NASK (.pl)",
    frames=NASK_FRAMES,
    transport="https",
    connection_setting="REGISTRY_NASK",
    transfer=NASK_TRANSFER,
    result_meanings={
        2106: "the domain is not eligible for transfer (within 5 days of registration or a transfer)",
        2301: "no transfer of this domain is pending",
        2304: "the domain's status forbids it (blocked, or a transfer is pending)",
    },
    poll_kinds=NASK_POLL_KINDS,
)

PROFILES: dict[str, RegistryProfile] = {p.key: p for p in (RFC, NASK)}


def tld_of(domain_name: str) -> str:
    return domain_name.rstrip(".").rsplit(".", 1)[-1].lower()


def profile_for(domain_name: str) -> RegistryProfile:
    """The profile of the registry that keeps ``domain_name``."""
    key = settings.REGISTRY_TLDS.get(tld_of(domain_name))
    if key is None:
        raise ImproperlyConfigured(f"no registry is configured for .{tld_of(domain_name)}")
    return PROFILES[key]


def profile(key: str) -> RegistryProfile:
    try:
        return PROFILES[key]
    except KeyError:
        raise ImproperlyConfigured(f"no registry profile {key!r}; there are {sorted(PROFILES)}") from None


def profiles_in_use() -> list[RegistryProfile]:
    """Every registry some configured TLD is kept at (the poll and reconcile rounds visit each)."""
    return [PROFILES[key] for key in dict.fromkeys(settings.REGISTRY_TLDS.values())]
