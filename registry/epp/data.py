"""What a response's resData says, as plain values (RFC 5731 domain, RFC 5733 contact)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DomainCheck:
    name: str
    available: bool
    reason: str | None = None


@dataclass(frozen=True)
class DomainCheckData:
    items: tuple[DomainCheck, ...]

    def __getitem__(self, name: str) -> DomainCheck:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(name)


@dataclass(frozen=True)
class DomainInfo:
    """``infData``. A registry shows dates and contacts only to the sponsor or to a client
    that gave the authInfo; the fields it left out are None or empty."""

    name: str
    roid: str
    sponsor: str  # clID
    statuses: tuple[str, ...] = ()
    registrant: str | None = None
    contacts: tuple[tuple[str, str], ...] = ()  # (type, handle)
    nameservers: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    created_by: str | None = None
    created_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    expires_at: datetime | None = None
    transferred_at: datetime | None = None


@dataclass(frozen=True)
class TransferData:
    """``trnData``: the state of the latest transfer of an object."""

    name: str  # domain name, or contact handle
    status: str  # pending, clientApproved, clientCancelled, clientRejected, serverApproved, ...
    requested_by: str  # reID, the gaining registrar
    requested_at: datetime
    action_by: str  # acID, the losing registrar
    action_at: datetime  # when it was acted on, or when the registry will act on it
    expires_at: datetime | None = None

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"


@dataclass(frozen=True)
class Address:
    street: tuple[str, ...]
    city: str
    country: str
    postal_code: str = ""
    province: str = ""


@dataclass(frozen=True)
class PostalInfo:
    type: str  # "loc" or "int"
    name: str
    address: Address
    org: str = ""


@dataclass(frozen=True)
class ContactCreated:
    handle: str
    created_at: datetime


@dataclass(frozen=True)
class ContactInfo:
    handle: str
    roid: str
    statuses: tuple[str, ...]
    postal_info: tuple[PostalInfo, ...]
    email: str
    sponsor: str
    created_by: str
    created_at: datetime
    voice: str = ""
    fax: str = ""
    updated_by: str | None = None
    updated_at: datetime | None = None
    transferred_at: datetime | None = None


@dataclass(frozen=True)
class ContactData:
    """What we send to create a contact."""

    handle: str
    name: str
    city: str
    country: str
    email: str
    street: tuple[str, ...] = ()
    postal_code: str = ""
    province: str = ""
    org: str = ""
    voice: str = ""
    fax: str = ""
    postal_type: str = "loc"  # "loc" may hold UTF-8; "int" must be ASCII
    # a natural person (NASK asks: its rules protect a person's data, not a company's)
    individual: bool = True


@dataclass(frozen=True)
class AuthInfoNotice:
    """NASK's ``extdom:pollAuthInfo``: the registry hands us a domain's code (and its
    registrant's), e.g. for a domain NASK serviced itself. The codes never appear in a repr."""

    name: str
    authinfo: str = field(default="", repr=False)
    registrant: str | None = None
    registrant_authinfo: str = field(default="", repr=False)


@dataclass(frozen=True)
class ExpiryNotice:
    """NASK's ``extdom:expData``: these domains expire at ``expires_at``."""

    names: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True)
class RegistryNotice:
    """A registry message that changes no case of ours (auto-renewal, account balance, a
    blocked domain): kept and shown to the domains team. ``kind`` is its element's name."""

    kind: str
    names: tuple[str, ...] = ()
    dates: tuple[datetime, ...] = ()


ResData = (
    DomainCheckData
    | DomainInfo
    | TransferData
    | ContactCreated
    | ContactInfo
    | AuthInfoNotice
    | ExpiryNotice
    | RegistryNotice
)
