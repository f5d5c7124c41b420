"""What the sandbox's command handlers share: refusals, replies, the session, the TLD
policies and small readers of the command's XML."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from lxml import etree

from registry.epp.namespaces import NASK, RFC, Namespaces, q

from .replies import QueueState
from .store import DomainRow


@dataclass(frozen=True)
class TldPolicy:
    lock_days: int  # no transfer this long after registration or the last transfer
    renews_on_transfer: bool  # gTLD practice: a completed transfer adds the period (a year)
    pending_days: int = 5  # the losing registrar's window, after which the registry approves
    # the door (and dialect) of the registry that keeps the TLD
    dialect: Namespaces = RFC
    # NASK: the subscriber confirms by a link the registry e-mails; the losing registrar has
    # no say, and a request nobody confirms expires when the window closes
    subscriber_confirms: bool = False
    # the shortest authInfo the registry accepts when a registrar sets a new one
    new_code_min_length: int = 8


POLICIES = {
    "pl": TldPolicy(
        lock_days=5,
        renews_on_transfer=False,
        pending_days=30,
        dialect=NASK,
        subscriber_confirms=True,
        new_code_min_length=20,
    ),
    "eu": TldPolicy(lock_days=0, renews_on_transfer=False),
    "com": TldPolicy(lock_days=60, renews_on_transfer=True),
    "net": TldPolicy(lock_days=60, renews_on_transfer=True),
}


class Refusal(Exception):
    """A 2xxx answer, with an optional reason pointing at the element concerned."""

    def __init__(self, code: int, reason: str = "", *, element: tuple[str, str, str] | None = None) -> None:
        super().__init__(code, reason)
        self.code, self.reason, self.element = code, reason, element


@dataclass
class Session:
    peer: str
    client_id: str | None = None
    object_uris: tuple[str, ...] = ()
    failed_logins: int = 0
    # the dialect of the door the session came in by: the RFC one over TCP, NASK's over HTTPS
    dialect: Namespaces = RFC


@dataclass(frozen=True)
class Reply:
    code: int = 1000
    res_data: etree._Element | None = None
    msgq: QueueState | None = None
    close: bool = False


def text_of(parent: etree._Element | None, ns: str, local: str) -> str | None:
    if parent is None:
        return None
    element = parent.find(q(ns, local))
    return None if element is None else " ".join((element.text or "").split())


def authinfo_of(parent: etree._Element, ns: str) -> str | None:
    auth = parent.find(q(ns, "authInfo"))
    return None if auth is None else text_of(auth, ns, "pw")


def serves(name: str, ns: Namespaces) -> bool:
    """Whether the door speaking ``ns`` keeps this name's TLD (.pl is NASK's alone)."""
    policy = POLICIES.get(name.rsplit(".", 1)[-1].lower())
    return policy is not None and policy.dialect is ns


def domain_row(db: sqlite3.Connection, name: str, ns: Namespaces) -> DomainRow:
    row = db.execute("SELECT * FROM domain WHERE name = ?", (name.lower(),)).fetchone()
    if row is None or not serves(row["name"], ns):
        raise Refusal(2303, "no such domain", element=(ns.domain, "name", name))
    return DomainRow.from_row(row)
