"""Domain check, info and update at the sandbox registry (RFC 5731)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from lxml import etree

from registry.epp.namespaces import Namespaces, q

from . import replies
from .common import POLICIES, Refusal, Reply, authinfo_of, domain_row, serves, text_of
from .store import check_secret, hash_secret, to_db

CLIENT_STATUSES = frozenset(
    {
        "clientDeleteProhibited",
        "clientHold",
        "clientRenewProhibited",
        "clientTransferProhibited",
        "clientUpdateProhibited",
    }
)
UPDATE_BLOCKING_STATUSES = ("serverUpdateProhibited", "pendingTransfer", "pendingDelete")


class DomainCommands:
    """Handlers of domain:check, domain:info and domain:update (mixed into SandboxRegistry)."""

    def _domain_check(
        self,
        db: sqlite3.Connection,
        me: str,
        check: etree._Element,
        now: datetime,
        ns: Namespaces,
        extension: etree._Element | None = None,
    ) -> Reply:
        items = []
        for element in check.findall(q(ns.domain, "name")):
            name = (element.text or "").strip().lower()
            if "." not in name or not serves(name, ns):
                items.append((name, False, "TLD not served here"))
            elif db.execute("SELECT 1 FROM domain WHERE name = ?", (name,)).fetchone():
                items.append((name, False, "In use"))
            else:
                items.append((name, True, None))
        return Reply(res_data=replies.domain_chk_data(items, ns))

    def _domain_info(
        self,
        db: sqlite3.Connection,
        me: str,
        info: etree._Element,
        now: datetime,
        ns: Namespaces,
        extension: etree._Element | None = None,
    ) -> Reply:
        domain = domain_row(db, text_of(info, ns.domain, "name"), ns)
        authinfo = authinfo_of(info, ns.domain)
        full = domain.sponsor == me
        if not full and authinfo is not None:
            if not check_secret(authinfo, domain.authinfo_hash):
                raise Refusal(2202, "the authInfo does not match", element=(ns.domain, "name", domain.name))
            full = True
        return Reply(res_data=replies.domain_inf_data(domain, full=full, ns=ns))

    def _domain_update(
        self,
        db: sqlite3.Connection,
        me: str,
        update: etree._Element,
        now: datetime,
        ns: Namespaces,
        extension: etree._Element | None = None,
    ) -> Reply:
        domain = domain_row(db, text_of(update, ns.domain, "name"), ns)
        where = (ns.domain, "name", domain.name)
        if domain.sponsor != me:
            raise Refusal(2201, "only the sponsoring registrar may update a domain", element=where)
        add = [s.get("s") for s in update.findall(f"{q(ns.domain, 'add')}/{q(ns.domain, 'status')}")]
        remove = [s.get("s") for s in update.findall(f"{q(ns.domain, 'rem')}/{q(ns.domain, 'status')}")]
        for status in add + remove:
            if status not in CLIENT_STATUSES:
                raise Refusal(
                    2306, f"{status} can be set only by the registry", element=(ns.domain, "status", status)
                )
        blocking = [s for s in UPDATE_BLOCKING_STATUSES if s in domain.statuses]
        if "clientUpdateProhibited" in domain.statuses and "clientUpdateProhibited" not in remove:
            blocking.append("clientUpdateProhibited")
        if blocking:
            raise Refusal(2304, f"the domain is {', '.join(blocking)}", element=where)
        for section in ("add", "rem"):
            for kind in ("ns", "contact"):
                if update.find(f"{q(ns.domain, section)}/{q(ns.domain, kind)}") is not None:
                    raise Refusal(2102, "this sandbox keeps no name servers or extra contacts", element=where)
        statuses = (set(domain.statuses) | set(add)) - set(remove)
        changes: dict[str, object] = {"statuses": json.dumps(sorted(statuses))}
        chg = update.find(q(ns.domain, "chg"))
        if chg is not None:
            registrant = text_of(chg, ns.domain, "registrant")
            if registrant is not None:
                if not registrant:
                    raise Refusal(2306, "a domain must have a registrant", element=where)
                if not db.execute("SELECT 1 FROM contact WHERE handle = ?", (registrant,)).fetchone():
                    raise Refusal(2303, "no such contact", element=(ns.domain, "registrant", registrant))
                changes["registrant"] = registrant
            auth = chg.find(q(ns.domain, "authInfo"))
            if auth is not None:
                if auth.find(q(ns.domain, "null")) is not None:
                    changes["authinfo_hash"] = None
                else:
                    pw = text_of(auth, ns.domain, "pw") or ""
                    shortest = POLICIES[domain.tld].new_code_min_length
                    if not shortest <= len(pw) <= 64:
                        raise Refusal(2306, f"an authInfo has {shortest} to 64 characters", element=where)
                    changes["authinfo_hash"] = hash_secret(pw)
        changes.update(updated_by=me, updated_at=to_db(now))
        assignments = ", ".join(f"{column} = ?" for column in changes)
        db.execute(
            f"UPDATE domain SET {assignments} WHERE name = ?",  # noqa: S608 - columns are ours
            (*changes.values(), domain.name),
        )
        return Reply()
