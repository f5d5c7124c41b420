"""What the sandbox registry does with each frame: the session (login, logout, poll) here,
the rules for domains, transfers and contacts in their own modules (RFC 5730, 5731, 5733).

Every command is checked against the EPP schemas first (2001 if it does not match), runs in
one storage transaction, and is preceded by settling the transfers whose window has closed
(the registry approves them by itself), so that the sandbox clock can be moved at any time.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from registry.epp.frames import LOGIN_SECURITY_SENTINEL
from registry.epp.namespaces import RFC, Namespaces, for_frame_root, q
from registry.epp.results import XmlRefused
from registry.epp.safexml import parse_xml
from registry.epp.schema import frame_errors

from . import replies
from .common import Refusal, Reply, Session, text_of
from .contacts import ContactCommands
from .domains import DomainCommands
from .replies import ExtValue, QueueState
from .store import SandboxStore, check_secret, hash_secret, to_db
from .transfers import TransferCommands

MAX_FAILED_LOGINS = 3


@dataclass(frozen=True)
class Outcome:
    """What the server does after a frame: send ``reply``, then close if ``close``."""

    reply: bytes
    command: str
    cl_trid: str | None = None
    client_id: str | None = None
    close: bool = False


class SandboxRegistry(DomainCommands, TransferCommands, ContactCommands):
    def __init__(self, store: SandboxStore) -> None:
        self.store = store

    def greeting(self, ns: Namespaces = RFC) -> bytes:
        return replies.greeting(self.store.now(), ns)

    # ------------------------------------------------------------------ dispatch

    def handle(self, session: Session, data: bytes) -> Outcome:
        self.settle_due_transfers()
        sv_trid = f"SBX-{uuid.uuid4().hex[:24]}"
        ns = session.dialect
        try:
            root = parse_xml(data)
        except XmlRefused as exc:
            return self._refuse(Refusal(2001, str(exc)), None, sv_trid, "invalid", session)
        if for_frame_root(etree.QName(root).namespace) is not ns:
            refusal = Refusal(2001, f"this registry speaks EPP in the {ns.name} namespaces only")
            return self._refuse(refusal, None, sv_trid, "invalid", session)
        command = root.find(q(ns.epp, "command"))
        cl_trid = text_of(command, ns.epp, "clTRID")
        if cl_trid is not None and not 3 <= len(cl_trid) <= 64:
            cl_trid = None
        errors = frame_errors(root, ns)
        if errors:
            return self._refuse(Refusal(2001, errors[0]), cl_trid, sv_trid, "invalid", session)
        if root.find(q(ns.epp, "hello")) is not None:
            return Outcome(self.greeting(ns), "hello", client_id=session.client_id)
        if command is None:
            return self._refuse(
                Refusal(2001, "expected a command or a hello"), None, sv_trid, "invalid", session
            )
        verb = command[0]
        name = self._command_name(verb, ns)
        try:
            reply = self._run(session, command, verb, name)
        except Refusal as refusal:
            return self._refuse(refusal, cl_trid, sv_trid, name, session)
        frame = replies.response(
            reply.code, cl_trid=cl_trid, sv_trid=sv_trid, msgq=reply.msgq, res_data=reply.res_data, ns=ns
        )
        return Outcome(frame, name, cl_trid, session.client_id, close=reply.close)

    def _refuse(
        self, refusal: Refusal, cl_trid: str | None, sv_trid: str, name: str, session: Session
    ) -> Outcome:
        ext_values: tuple[ExtValue, ...] = ()
        message = None
        if refusal.element is not None and refusal.reason:
            ext_values = (ExtValue(*refusal.element, refusal.reason),)
        elif refusal.reason:
            message = f"{replies.STANDARD_TEXTS[refusal.code]}: {refusal.reason}"
        frame = replies.response(
            refusal.code,
            cl_trid=cl_trid,
            sv_trid=sv_trid,
            message=message,
            ext_values=ext_values,
            ns=session.dialect,
        )
        return Outcome(frame, name, cl_trid, session.client_id, close=refusal.code >= 2500)

    @staticmethod
    def _command_name(verb: etree._Element, ns: Namespaces) -> str:
        local = etree.QName(verb).localname
        if local in ("login", "logout"):
            return local
        if local == "poll":
            return f"poll:{verb.get('op')}"
        obj = etree.QName(verb[0]) if len(verb) else None
        prefix = {ns.domain: "domain", ns.contact: "contact"}.get(obj.namespace, "other") if obj else "other"
        return f"{prefix}:{local}:{verb.get('op')}" if local == "transfer" else f"{prefix}:{local}"

    def _run(self, session: Session, command: etree._Element, verb: etree._Element, name: str) -> Reply:
        ns = session.dialect
        local = etree.QName(verb).localname
        if local == "login":
            return self._login(session, command, verb)
        if session.client_id is None:
            raise Refusal(2002, "log in first")
        if local == "logout":
            session.client_id = None
            return Reply(1500, close=True)
        extension = command.find(q(ns.epp, "extension"))
        if extension is not None and not self._extension_allowed(name, extension, ns):
            raise Refusal(2103, "this registry offers no such extension for this command")
        if local == "poll":
            with self.store.transaction() as db:
                return self._poll(db, session, verb)
        target = verb[0]
        namespace = etree.QName(target).namespace
        if namespace not in session.object_uris:
            raise Refusal(2307, "the object service was not declared at login or is not offered")
        handler = self._handlers.get(name)
        if handler is None:
            raise Refusal(2101, f"{name} is not offered by this registry")
        with self.store.transaction() as db:
            # Its own transaction: the refusal below must not roll the count back.
            failing = self.store.take_failure(db, session.client_id, name)
        if failing:
            raise Refusal(2400, "an internal fault at the registry; nothing was done")
        with self.store.transaction() as db:
            return handler(self, db, session.client_id, target, self.store.now(db), ns, extension)

    # ------------------------------------------------------------------ session

    def _login(self, session: Session, command: etree._Element, login: etree._Element) -> Reply:
        ns = session.dialect
        loginsec = RFC.ext("loginSec")
        if session.client_id is not None:
            raise Refusal(2002, "already logged in")
        client_id = text_of(login, ns.epp, "clID")
        password = text_of(login, ns.epp, "pw")
        new_password = text_of(login, ns.epp, "newPW")
        svcs = login.find(q(ns.epp, "svcs"))
        object_uris = tuple(e.text for e in svcs.findall(q(ns.epp, "objURI")))
        ext_uris = tuple(e.text for e in svcs.iter(q(ns.epp, "extURI")))
        sec = command.find(f"{q(ns.epp, 'extension')}/{q(loginsec, 'loginSec')}")
        if sec is not None and loginsec not in ext_uris:
            raise Refusal(2002, "loginSec is used but not declared in svcExtension")
        if password == LOGIN_SECURITY_SENTINEL:
            password = text_of(sec, loginsec, "pw")
            if password is None:
                raise Refusal(2003, "the password should be in loginSec:pw")
        if new_password == LOGIN_SECURITY_SENTINEL:
            new_password = text_of(sec, loginsec, "newPW")
            if new_password is None:
                raise Refusal(2003, "the new password should be in loginSec:newPW")
        if text_of(login.find(q(ns.epp, "options")), ns.epp, "lang") not in replies.LANGUAGES:
            raise Refusal(2102, "the language is not offered")
        if any(uri not in replies.OBJECT_URIS[ns] for uri in object_uris):
            raise Refusal(2307, "an object service is not offered")
        if any(uri not in replies.EXTENSION_URIS[ns] for uri in ext_uris):
            raise Refusal(2103, "an extension is not offered")
        with self.store.transaction() as db:
            refusal = self.store.login_refusal(db, client_id)
            if refusal is not None:
                raise Refusal(refusal, "logins of this registrar are refused at the moment")
            row = db.execute(
                "SELECT password_hash FROM registrar WHERE client_id = ?", (client_id,)
            ).fetchone()
            if row is None or not check_secret(password or "", row["password_hash"]):
                session.failed_logins += 1
                if session.failed_logins >= MAX_FAILED_LOGINS:
                    raise Refusal(2501, "too many failed logins")
                raise Refusal(2200, "client ID or password not recognised")
            if new_password is not None:
                db.execute(
                    "UPDATE registrar SET password_hash = ? WHERE client_id = ?",
                    (hash_secret(new_password), client_id),
                )
        session.client_id = client_id
        session.object_uris = object_uris
        session.failed_logins = 0
        return Reply()

    # ------------------------------------------------------------------ poll

    def _poll(self, db: sqlite3.Connection, session: Session, poll: etree._Element) -> Reply:
        me, queue = session.client_id, session.dialect.name
        if poll.get("op") == "ack":
            msg_id = poll.get("msgID") or ""
            updated = db.execute(
                "UPDATE message SET acked_at = ? WHERE id = ? AND registrar = ? AND registry = ? "
                "AND acked_at IS NULL",
                (to_db(self.store.now(db)), int(msg_id) if msg_id.isdigit() else -1, me, queue),
            ).rowcount
            if not updated:
                raise Refusal(2303, f"no message {msg_id} awaits acknowledgement")
            return Reply(1000, msgq=QueueState(self._queue_length(db, me, queue), msg_id))
        row = db.execute(
            "SELECT * FROM message WHERE registrar = ? AND registry = ? AND acked_at IS NULL "
            "ORDER BY id LIMIT 1",
            (me, queue),
        ).fetchone()
        if row is None:
            return Reply(1300)
        transfer = json.loads(row["transfer"]) if row["transfer"] else None
        payload = json.loads(row["payload"]) if row["payload"] else None
        if transfer:
            res_data = replies.domain_trn_data(transfer, session.dialect)
        elif payload:
            res_data = replies.notice_data(payload, session.dialect)
        else:
            res_data = None
        return Reply(
            1301,
            msgq=QueueState(
                count=self._queue_length(db, me, queue),
                id=str(row["id"]),
                queued_at=datetime.fromisoformat(row["queued_at"]),
                message=row["text"],
            ),
            res_data=res_data,
        )

    @staticmethod
    def _queue_length(db: sqlite3.Connection, client_id: str, queue: str) -> int:
        return db.execute(
            "SELECT COUNT(*) FROM message WHERE registrar = ? AND registry = ? AND acked_at IS NULL",
            (client_id, queue),
        ).fetchone()[0]

    @staticmethod
    def _extension_allowed(name: str, extension: etree._Element, ns: Namespaces) -> bool:
        """Extensions a command may carry at this door: NASK's extdom:transfer on a transfer
        request, extcon on contact create and info; nothing else anywhere."""
        allowed = {
            "domain:transfer:request": ("extdom", "transfer"),
            "contact:create": ("extcon", "create"),
            "contact:info": ("extcon", "info"),
        }.get(name)
        if allowed is None or allowed[0] not in ns.extensions:
            return False
        expected = q(ns.ext(allowed[0]), allowed[1])
        return all(child.tag == expected for child in extension)

    _handlers = {
        "domain:check": DomainCommands._domain_check,
        "domain:info": DomainCommands._domain_info,
        "domain:update": DomainCommands._domain_update,
        "domain:transfer:request": TransferCommands._domain_transfer,
        "domain:transfer:query": TransferCommands._domain_transfer,
        "domain:transfer:approve": TransferCommands._domain_transfer,
        "domain:transfer:reject": TransferCommands._domain_transfer,
        "domain:transfer:cancel": TransferCommands._domain_transfer,
        "contact:create": ContactCommands._contact_create,
        "contact:info": ContactCommands._contact_info,
    }
