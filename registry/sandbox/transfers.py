"""Transfers at the sandbox registry, in the two ways registries run them.

gTLD (RFC 5731): request, query, approve, reject, cancel, and the registry's own approval
when the losing registrar lets the window close.

NASK (.pl, docs/registries/nask-epp.md): request, query and cancel only; the registry e-mails
the subscriber a confirmation link (to the store's mail folder), the transfer completes when
the link is used, the gaining registrar may ask for the e-mail again
(``extdom:transfer/resendConfirmationRequest``), and an unconfirmed request expires
(serverCancelled) when the window closes. Outcomes reach both registrars as poll messages
worded as NASK words them.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime, timedelta

from lxml import etree

from registry.epp.namespaces import Namespaces, q

from . import replies
from .common import POLICIES, Refusal, Reply, authinfo_of, domain_row, text_of
from .store import DomainRow, SandboxStore, TransferRow, check_secret, hash_secret, to_db

TRANSFER_BLOCKING_STATUSES = ("clientTransferProhibited", "serverTransferProhibited", "pendingDelete")

NASK_TRANSFER_MESSAGES = {
    "pending": "domain transfer requested",
    "clientApproved": "domain transferred",
    "clientCancelled": "domain transfer cancelled",
    "serverCancelled": "domain transfer expired",
}

TRANSFER_MESSAGES = {
    "pending": "Transfer requested.",
    "clientApproved": "Transfer approved by the losing registrar.",
    "clientRejected": "Transfer rejected by the losing registrar.",
    "clientCancelled": "Transfer cancelled by the gaining registrar.",
    "serverApproved": "Transfer approved by the registry: the losing registrar did not act in time.",
}


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


class TransferCommands:
    """Handlers of the domain:transfer operations (mixed into SandboxRegistry)."""

    store: SandboxStore

    @staticmethod
    def _latest_transfer(db: sqlite3.Connection, name: str) -> TransferRow | None:
        row = db.execute(
            "SELECT * FROM transfer WHERE domain = ? ORDER BY id DESC LIMIT 1", (name,)
        ).fetchone()
        return TransferRow.from_row(row) if row else None

    def _domain_transfer(
        self,
        db: sqlite3.Connection,
        me: str,
        transfer: etree._Element,
        now: datetime,
        ns: Namespaces,
        extension: etree._Element | None = None,
    ) -> Reply:
        op = transfer.getparent().get("op")
        domain = domain_row(db, text_of(transfer, ns.domain, "name"), ns)
        policy = POLICIES[domain.tld]
        if policy.subscriber_confirms and op in ("approve", "reject"):
            raise Refusal(2101, "the losing registrar neither approves nor rejects a transfer here")
        if op == "request":
            if extension is not None and self._asks_resend(extension, ns):
                return self._resend_confirmation(db, me, domain, transfer, now, ns)
            return self._transfer_request(db, me, domain, transfer, now, ns)
        latest = self._latest_transfer(db, domain.name)
        where = (ns.domain, "name", domain.name)
        if op == "query":
            if latest is None:
                # No transfer data at all: a 2002 as Nomulus answers it, unless staged otherwise.
                code = self.store.no_transfer_history_code(db)
                raise Refusal(code, "this domain has no transfer history", element=where)
            sides = {domain.sponsor, latest.requested_by, latest.action_by}
            if me not in sides:
                authinfo = authinfo_of(transfer, ns.domain)
                if authinfo is None:
                    raise Refusal(2201, "only the registrars concerned may ask", element=where)
                if not check_secret(authinfo, domain.authinfo_hash):
                    raise Refusal(2202, "the authInfo does not match", element=where)
            return Reply(res_data=replies.domain_trn_data(self.transfer_snapshot(db, latest), ns))
        if latest is None or latest.status != "pending":
            raise Refusal(2301, "no transfer of this domain is pending", element=where)
        if op in ("approve", "reject") and me != domain.sponsor:
            raise Refusal(2201, "only the losing registrar may approve or reject", element=where)
        if op == "cancel" and me != latest.requested_by:
            raise Refusal(2201, "only the registrar that asked may cancel", element=where)
        status = {"approve": "clientApproved", "reject": "clientRejected", "cancel": "clientCancelled"}[op]
        self._finish_transfer(db, latest, status, now)
        return Reply(
            res_data=replies.domain_trn_data(
                self.transfer_snapshot(db, self._latest_transfer(db, domain.name)), ns
            )
        )

    @staticmethod
    def _asks_resend(extension: etree._Element, ns: Namespaces) -> bool:
        extdom = ns.extensions.get("extdom")
        return (
            extdom is not None
            and extension.find(f"{q(extdom, 'transfer')}/{q(extdom, 'resendConfirmationRequest')}")
            is not None
        )

    def _transfer_request(
        self,
        db: sqlite3.Connection,
        me: str,
        domain: DomainRow,
        transfer: etree._Element,
        now: datetime,
        ns: Namespaces,
    ) -> Reply:
        where = (ns.domain, "name", domain.name)
        policy = POLICIES[domain.tld]
        if domain.sponsor == me:
            raise Refusal(2106, "the domain is already yours", element=where)
        if "pendingTransfer" in domain.statuses:
            raise Refusal(2300, "a transfer of this domain is already pending", element=where)
        if not check_secret(authinfo_of(transfer, ns.domain) or "", domain.authinfo_hash):
            raise Refusal(2202, "the authInfo does not match", element=where)
        blocking = [s for s in TRANSFER_BLOCKING_STATUSES if s in domain.statuses]
        if blocking:
            raise Refusal(2304, f"the domain is {', '.join(blocking)}", element=where)
        if domain.expires_at <= now:
            raise Refusal(2304, "the domain has expired", element=where)
        since = domain.transferred_at or domain.created_at
        if now < since + timedelta(days=policy.lock_days):
            what = "transfer" if domain.transferred_at else "registration"
            raise Refusal(
                2304,
                f"inside the {policy.lock_days}-day lock period after {what}; "
                f"possible from {replies.epp_date(since + timedelta(days=policy.lock_days))}",
                element=where,
            )
        period = text_of(transfer, ns.domain, "period")
        db.execute(
            "INSERT INTO transfer(domain, status, requested_by, requested_at, action_by, action_at, "
            "period_years) VALUES (?, 'pending', ?, ?, ?, ?, ?)",
            (
                domain.name,
                me,
                to_db(now),
                domain.sponsor,
                to_db(now + timedelta(days=policy.pending_days)),
                int(period) if period else None,
            ),
        )
        statuses = sorted(set(domain.statuses) | {"pendingTransfer"})
        db.execute("UPDATE domain SET statuses = ? WHERE name = ?", (json.dumps(statuses), domain.name))
        latest = self._latest_transfer(db, domain.name)
        snapshot = self.transfer_snapshot(db, latest)
        self._queue(db, domain.sponsor, now, self._message_text(domain.tld, "pending"), snapshot)
        if policy.subscriber_confirms:
            self._ask_subscriber(db, domain, latest, now)
        return Reply(1001, res_data=replies.domain_trn_data(snapshot, ns))

    def _resend_confirmation(
        self,
        db: sqlite3.Connection,
        me: str,
        domain: DomainRow,
        transfer: etree._Element,
        now: datetime,
        ns: Namespaces,
    ) -> Reply:
        where = (ns.domain, "name", domain.name)
        if not POLICIES[domain.tld].subscriber_confirms:
            raise Refusal(2102, "this registry sends no transfer confirmation", element=where)
        latest = self._latest_transfer(db, domain.name)
        if latest is None or latest.status != "pending":
            raise Refusal(2301, "no transfer of this domain is pending", element=where)
        if latest.requested_by != me:
            raise Refusal(2201, "only the registrar that asked may have the confirmation sent again")
        if not check_secret(authinfo_of(transfer, ns.domain) or "", domain.authinfo_hash):
            raise Refusal(2202, "the authInfo does not match", element=where)
        self._ask_subscriber(db, domain, latest, now)
        return Reply(1000, res_data=replies.domain_trn_data(self.transfer_snapshot(db, latest), ns))

    def _ask_subscriber(
        self, db: sqlite3.Connection, domain: DomainRow, transfer: TransferRow, now: datetime
    ) -> None:
        """E-mail the subscriber a new confirmation link; an earlier link stops working."""
        token = secrets.token_urlsafe(24)
        db.execute(
            "UPDATE transfer SET confirmation_hash = ? WHERE id = ?", (hash_secret(token), transfer.id)
        )
        row = db.execute("SELECT email FROM contact WHERE handle = ?", (domain.registrant,)).fetchone()
        if row is None:
            return  # a domain without a registrant: nobody to ask; the request will expire
        gaining = db.execute(
            "SELECT name FROM registrar WHERE client_id = ?", (transfer.requested_by,)
        ).fetchone()
        link = f"{self.store.confirmation_url}?transfer={transfer.id}&token={token}"
        deadline = replies.epp_date(transfer.action_at)
        self.store.send_mail(
            row["email"],
            f"Transfer domeny {domain.name} / Transfer of the domain {domain.name}",
            f"Rejestrator {gaining['name']} poprosił o przeniesienie do niego obsługi domeny "
            f"{domain.name}.\nAby potwierdzić, otwórz link:\n\n{link}\n\n"
            f"Jeśli nie potwierdzisz do {deadline}, prośba wygaśnie.\n\n"
            f"The registrar {gaining['name']} asked for the domain {domain.name} to be transferred "
            f"to it. To confirm, open the link above. Unconfirmed, the request expires at {deadline}.\n",
            when=now,
        )

    def confirm_transfer(self, transfer_id: int, token: str) -> str:
        """The subscriber used the link: complete the transfer. Returns the domain's name."""
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM transfer WHERE id = ?", (transfer_id,)).fetchone()
            transfer = TransferRow.from_row(row) if row else None
            if transfer is None or not check_secret(token, transfer.confirmation_hash):
                raise Refusal(2202, "this confirmation link is not valid")
            if transfer.status != "pending":
                raise Refusal(2301, "this transfer is no longer waiting for confirmation")
            self._finish_transfer(db, transfer, "clientApproved", self.store.now(db))
            return transfer.domain

    def transfer_waiting(self, transfer_id: int, token: str) -> TransferRow | None:
        """The transfer a confirmation link is for, if the link is valid (for its page)."""
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM transfer WHERE id = ?", (transfer_id,)).fetchone()
        transfer = TransferRow.from_row(row) if row else None
        if transfer is None or not check_secret(token, transfer.confirmation_hash):
            return None
        return transfer

    @staticmethod
    def _message_text(tld: str, status: str) -> str:
        if POLICIES[tld].subscriber_confirms:
            return NASK_TRANSFER_MESSAGES[status]
        return TRANSFER_MESSAGES[status]

    def _new_expiry(self, domain: DomainRow, transfer: TransferRow) -> datetime:
        if POLICIES[domain.tld].renews_on_transfer:
            return _add_years(domain.expires_at, transfer.period_years or 1)
        return domain.expires_at

    def transfer_snapshot(self, db: sqlite3.Connection, transfer: TransferRow) -> dict[str, str | None]:
        """The transfer as trnData shows it; a pending one shows the expiry it would bring."""
        domain = DomainRow.from_row(
            db.execute("SELECT * FROM domain WHERE name = ?", (transfer.domain,)).fetchone()
        )
        expires = self._new_expiry(domain, transfer) if transfer.status == "pending" else domain.expires_at
        return {
            "name": transfer.domain,
            "status": transfer.status,
            "requested_by": transfer.requested_by,
            "requested_at": replies.epp_date(transfer.requested_at),
            "action_by": transfer.action_by,
            "action_at": replies.epp_date(transfer.action_at),
            "expires_at": replies.epp_date(expires),
        }

    def _finish_transfer(
        self, db: sqlite3.Connection, transfer: TransferRow, status: str, when: datetime
    ) -> None:
        domain = DomainRow.from_row(
            db.execute("SELECT * FROM domain WHERE name = ?", (transfer.domain,)).fetchone()
        )
        statuses = json.dumps(sorted(set(domain.statuses) - {"pendingTransfer"}))
        if status in ("clientApproved", "serverApproved"):
            # The new sponsor gets a code nobody knows; it sets its own before giving one out.
            db.execute(
                "UPDATE domain SET sponsor = ?, statuses = ?, transferred_at = ?, expires_at = ?, "
                "authinfo_hash = ? WHERE name = ?",
                (
                    transfer.requested_by,
                    statuses,
                    to_db(when),
                    to_db(self._new_expiry(domain, transfer)),
                    hash_secret(secrets.token_urlsafe(16)),
                    domain.name,
                ),
            )
        else:
            db.execute("UPDATE domain SET statuses = ? WHERE name = ?", (statuses, domain.name))
        db.execute(
            "UPDATE transfer SET status = ?, action_at = ?, confirmation_hash = NULL WHERE id = ?",
            (status, to_db(when), transfer.id),
        )
        snapshot = self.transfer_snapshot(db, self._latest_transfer(db, domain.name))
        for registrar in (transfer.requested_by, transfer.action_by):
            self._queue(db, registrar, when, self._message_text(domain.tld, status), snapshot)

    def _queue(
        self,
        db: sqlite3.Connection,
        registrar: str,
        when: datetime,
        text: str,
        snapshot: dict[str, str | None],
    ) -> None:
        registry = POLICIES[snapshot["name"].rsplit(".", 1)[-1]].dialect.name
        db.execute(
            "INSERT INTO message(registrar, queued_at, text, transfer, registry) VALUES (?, ?, ?, ?, ?)",
            (registrar, when.isoformat(), text, json.dumps(snapshot), registry),
        )

    def settle_due_transfers(self) -> int:
        """End every pending transfer whose window has closed: at a gTLD the registry approves
        it; at NASK an unconfirmed request expires."""
        with self.store.transaction() as db:
            now = self.store.now(db)
            rows = db.execute(
                "SELECT * FROM transfer WHERE status = 'pending' AND action_at <= ? ORDER BY id",
                (to_db(now),),
            ).fetchall()
            for row in rows:
                transfer = TransferRow.from_row(row)
                tld = transfer.domain.rsplit(".", 1)[-1]
                ending = "serverCancelled" if POLICIES[tld].subscriber_confirms else "serverApproved"
                self._finish_transfer(db, transfer, ending, transfer.action_at)
        return len(rows)
