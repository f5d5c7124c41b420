"""Contact create and info at the sandbox registry (RFC 5733)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime

from lxml import etree

from registry.epp.namespaces import CONTACT, q

from . import replies
from .common import Refusal, Reply, authinfo_of, text_of
from .store import check_secret, hash_secret, to_db


class ContactCommands:
    """Handlers of contact:create and contact:info (mixed into SandboxRegistry)."""

    def _contact_create(
        self, db: sqlite3.Connection, me: str, create: etree._Element, now: datetime
    ) -> Reply:
        handle = text_of(create, CONTACT, "id")
        if db.execute("SELECT 1 FROM contact WHERE handle = ?", (handle,)).fetchone():
            raise Refusal(2302, "the contact ID is taken", element=(CONTACT, "id", handle))
        postal = create.find(q(CONTACT, "postalInfo"))
        addr = postal.find(q(CONTACT, "addr"))
        authinfo = authinfo_of(create, CONTACT) or ""
        if len(authinfo) < 8:
            raise Refusal(2306, "an authInfo has at least 8 characters", element=(CONTACT, "id", handle))
        db.execute(
            "INSERT INTO contact(handle, roid, sponsor, postal_type, name, org, street, city, province, "
            "postal_code, country, voice, fax, email, authinfo_hash, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                handle,
                f"C{uuid.uuid4().hex[:12].upper()}-SBX",
                me,
                postal.get("type"),
                text_of(postal, CONTACT, "name"),
                text_of(postal, CONTACT, "org") or "",
                json.dumps([" ".join((s.text or "").split()) for s in addr.findall(q(CONTACT, "street"))]),
                text_of(addr, CONTACT, "city"),
                text_of(addr, CONTACT, "sp") or "",
                text_of(addr, CONTACT, "pc") or "",
                text_of(addr, CONTACT, "cc"),
                text_of(create, CONTACT, "voice") or "",
                text_of(create, CONTACT, "fax") or "",
                text_of(create, CONTACT, "email"),
                hash_secret(authinfo),
                me,
                to_db(now),
            ),
        )
        return Reply(res_data=replies.contact_cre_data(handle, now))

    def _contact_info(self, db: sqlite3.Connection, me: str, info: etree._Element, now: datetime) -> Reply:
        handle = text_of(info, CONTACT, "id")
        row = db.execute("SELECT * FROM contact WHERE handle = ?", (handle,)).fetchone()
        where = (CONTACT, "id", handle)
        if row is None:
            raise Refusal(2303, "no such contact", element=where)
        # The sponsor of a domain the contact holds reads it too: a registrar must know the
        # registrant of a domain it sponsors (after a transfer, the contact stays the loser's).
        sponsors_its_domain = db.execute(
            "SELECT 1 FROM domain WHERE registrant = ? AND sponsor = ? LIMIT 1", (handle, me)
        ).fetchone()
        if row["sponsor"] != me and not sponsors_its_domain:
            authinfo = authinfo_of(info, CONTACT)
            if authinfo is None:
                raise Refusal(2201, "only the sponsoring registrar may see this contact", element=where)
            pw = info.find(f"{q(CONTACT, 'authInfo')}/{q(CONTACT, 'pw')}")
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
        return Reply(res_data=replies.contact_inf_data(row, statuses, json.loads(row["street"])))
