"""What the sandbox's command handlers share: refusals, replies, the session, the TLD
policies and small readers of the command's XML."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from lxml import etree

from registry.epp.namespaces import DOMAIN, q

from .replies import QueueState
from .store import DomainRow


@dataclass(frozen=True)
class TldPolicy:
    lock_days: int  # no transfer this long after registration or the last transfer
    renews_on_transfer: bool  # gTLD practice: a completed transfer adds the period (a year)
    pending_days: int = 5  # the losing registrar's window, after which the registry approves


POLICIES = {
    "pl": TldPolicy(lock_days=5, renews_on_transfer=False),
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


def domain_row(db: sqlite3.Connection, name: str) -> DomainRow:
    row = db.execute("SELECT * FROM domain WHERE name = ?", (name.lower(),)).fetchone()
    if row is None:
        raise Refusal(2303, "no such domain", element=(DOMAIN, "name", name))
    return DomainRow.from_row(row)
