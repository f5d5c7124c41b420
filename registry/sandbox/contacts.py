"""Contact create and info at the sandbox registry (RFC 5733)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime

from lxml import etree

from registry.epp.namespaces import Namespaces, q

from . import replies
from .common import Refusal, Reply, authinfo_of, text_of
from .store import check_secret, hash_secret, to_db


class ContactCommands:
    """Handlers of contact:create and contact:info (mixed into SandboxRegistry)."""

    def _contact_create(
        self,
        db: sqlite3.Connection,
        me: str,
        create: etree._Element,
        now: datetime,
        ns: Namespaces,
        extension: etree._Element | None = None,
    ) -> Reply:
        handle = text_of(create, ns.contact, "id")
        if db.execute("SELECT 1 FROM contact WHERE handle = ?", (handle,)).fetchone():
            raise Refusal(2302, "the contact ID is taken", element=(ns.contact, "id", handle))
        postal = create.find(q(ns.contact, "postalInfo"))
        addr = postal.find(q(ns.contact, "addr"))
        authinfo = authinfo_of(create, ns.contact) or ""
        if len(authinfo) < 8:
            raise Refusal(2306, "an authInfo has at least 8 characters", element=(ns.contact, "id", handle))
        db.execute(
            "INSERT INTO contact(handle, roid, sponsor, postal_type, name, org, street, city, province, "
            "postal_code, country, voice, fax, email, authinfo_hash, created_by, created_at, individual) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                handle,
                f"C{uuid.uuid4().hex[:12].upper()}-SBX",
                me,
                postal.get("type"),
                text_of(postal, ns.contact, "name"),
                text_of(postal, ns.contact, "org") or "",
                json.dumps([" ".join((s.text or "").split()) for s in addr.findall(q(ns.contact, "street"))]),
                text_of(addr, ns.contact, "city"),
                text_of(addr, ns.contact, "sp") or "",
                text_of(addr, ns.contact, "pc") or "",
                text_of(addr, ns.contact, "cc"),
                text_of(create, ns.contact, "voice") or "",
                text_of(create, ns.contact, "fax") or "",
                text_of(create, ns.contact, "email"),
                hash_secret(authinfo),
                me,
                to_db(now),
                _individual(extension, ns),
            ),
        )
        return Reply(res_data=replies.contact_cre_data(handle, now, ns))

    def _contact_info(
        self,
        db: sqlite3.Connection,
        me: str,
        info: etree._Element,
        now: datetime,
        ns: Namespaces,
        extension: etree._Element | None = None,
    ) -> Reply:
        handle = text_of(info, ns.contact, "id")
        row = db.execute("SELECT * FROM contact WHERE handle = ?", (handle,)).fetchone()
        where = (ns.contact, "id", handle)
        if row is None:
            raise Refusal(2303, "no such contact", element=where)
        # The sponsor of a domain the contact holds reads it too: a registrar must know the
        # registrant of a domain it sponsors (after a transfer, the contact stays the loser's).
        sponsors_its_domain = db.execute(
            "SELECT 1 FROM domain WHERE registrant = ? AND sponsor = ? LIMIT 1", (handle, me)
        ).fetchone()
        if row["sponsor"] != me and not sponsors_its_domain:
            # NASK passes another registrar's contact code in extcon:info, RFC 5733 in the info
            holder, holder_ns = _authinfo_holder(info, extension, ns)
            authinfo = authinfo_of(holder, holder_ns)
            if authinfo is None:
                raise Refusal(2201, "only the sponsoring registrar may see this contact", element=where)
            pw = holder.find(f"{q(holder_ns, 'authInfo')}/{q(holder_ns, 'pw')}")
            roid = pw.get("roid") if pw is not None else None
            if roid:
                # The authInfo of a domain this contact holds, as registries accept from a
                # gaining registrar that must write to the registrant before a transfer.
                domain = db.execute(
                    "SELECT authinfo_hash FROM domain WHERE roid = ? AND registrant = ?", (roid, handle)
                ).fetchone()
                if domain is None or not check_secret(authinfo, domain["authinfo_hash"]):
                    raise Refusal(2202, "the authInfo does not match", element=where)
            elif not check_secret(authinfo, row["authinfo_hash"]):
                raise Refusal(2202, "the authInfo does not match", element=where)
        linked = db.execute("SELECT 1 FROM domain WHERE registrant = ? LIMIT 1", (handle,)).fetchone()
        statuses = ("linked", "ok") if linked else ("ok",)
        return Reply(res_data=replies.contact_inf_data(row, statuses, json.loads(row["street"]), ns))


def _individual(extension: etree._Element | None, ns: Namespaces) -> int | None:
    """NASK's extcon:individual of a new contact: 1 a natural person, 0 an organisation."""
    extcon = ns.extensions.get("extcon")
    if extcon is None or extension is None:
        return None
    value = extension.findtext(f"{q(extcon, 'create')}/{q(extcon, 'individual')}")
    if value is None:
        return None
    return 1 if value.strip() in ("1", "true") else 0


def _authinfo_holder(
    info: etree._Element, extension: etree._Element | None, ns: Namespaces
) -> tuple[etree._Element, str]:
    extcon = ns.extensions.get("extcon")
    if extcon is not None and extension is not None:
        ext_info = extension.find(q(extcon, "info"))
        if ext_info is not None:
            return ext_info, extcon
    return info, ns.contact
