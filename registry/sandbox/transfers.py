"""Transfers at the sandbox registry (RFC 5731): request, query, approve, reject, cancel,
and the registry's own approval when the losing registrar lets the window close."""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime, timedelta

from lxml import etree

from registry.epp.namespaces import DOMAIN

from . import replies
from .common import POLICIES, Refusal, Reply, authinfo_of, domain_row, text_of
from .store import DomainRow, SandboxStore, TransferRow, check_secret, hash_secret, to_db

TRANSFER_BLOCKING_STATUSES = ("clientTransferProhibited", "serverTransferProhibited", "pendingDelete")

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
    """Handlers of the five domain:transfer operations (mixed into SandboxRegistry)."""

    store: SandboxStore

    @staticmethod
    def _latest_transfer(db: sqlite3.Connection, name: str) -> TransferRow | None:
        row = db.execute(
            "SELECT * FROM transfer WHERE domain = ? ORDER BY id DESC LIMIT 1", (name,)
        ).fetchone()
        return TransferRow.from_row(row) if row else None

    def _domain_transfer(
        self, db: sqlite3.Connection, me: str, transfer: etree._Element, now: datetime
    ) -> Reply:
        op = transfer.getparent().get("op")
        domain = domain_row(db, text_of(transfer, DOMAIN, "name"))
        if op == "request":
            return self._transfer_request(db, me, domain, transfer, now)
        latest = self._latest_transfer(db, domain.name)
        where = (DOMAIN, "name", domain.name)
        if op == "query":
            if latest is None:
                # No transfer data at all: a 2002 as Nomulus answers it, unless staged otherwise.
                code = self.store.no_transfer_history_code(db)
                raise Refusal(code, "this domain has no transfer history", element=where)
            sides = {domain.sponsor, latest.requested_by, latest.action_by}
            if me not in sides:
                authinfo = authinfo_of(transfer, DOMAIN)
                if authinfo is None:
                    raise Refusal(2201, "only the registrars concerned may ask", element=where)
                if not check_secret(authinfo, domain.authinfo_hash):
                    raise Refusal(2202, "the authInfo does not match", element=where)
            return Reply(res_data=replies.domain_trn_data(self.transfer_snapshot(db, latest)))
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
                self.transfer_snapshot(db, self._latest_transfer(db, domain.name))
            )
        )

    def _transfer_request(
        self, db: sqlite3.Connection, me: str, domain: DomainRow, transfer: etree._Element, now: datetime
    ) -> Reply:
        where = (DOMAIN, "name", domain.name)
        policy = POLICIES[domain.tld]
        if domain.sponsor == me:
            raise Refusal(2106, "the domain is already yours", element=where)
        if "pendingTransfer" in domain.statuses:
            raise Refusal(2300, "a transfer of this domain is already pending", element=where)
        if not check_secret(authinfo_of(transfer, DOMAIN) or "", domain.authinfo_hash):
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
        period = text_of(transfer, DOMAIN, "period")
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
        self._queue(db, domain.sponsor, now, TRANSFER_MESSAGES["pending"], snapshot)
        return Reply(1001, res_data=replies.domain_trn_data(snapshot))

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
            "UPDATE transfer SET status = ?, action_at = ? WHERE id = ?", (status, to_db(when), transfer.id)
        )
        snapshot = self.transfer_snapshot(db, self._latest_transfer(db, domain.name))
        for registrar in (transfer.requested_by, transfer.action_by):
            self._queue(db, registrar, when, TRANSFER_MESSAGES[status], snapshot)

    def _queue(
        self,
        db: sqlite3.Connection,
        registrar: str,
        when: datetime,
        text: str,
        snapshot: dict[str, str | None],
    ) -> None:
        db.execute(
            "INSERT INTO message(registrar, queued_at, text, transfer) VALUES (?, ?, ?, ?)",
            (registrar, when.isoformat(), text, json.dumps(snapshot)),
        )

    def settle_due_transfers(self) -> int:
        """Approve, as the registry, every pending transfer whose window has closed."""
        with self.store.transaction() as db:
            now = self.store.now(db)
            rows = db.execute(
                "SELECT * FROM transfer WHERE status = 'pending' AND action_at <= ? ORDER BY id",
                (to_db(now),),
            ).fetchall()
            for row in rows:
                transfer = TransferRow.from_row(row)
                self._finish_transfer(db, transfer, "serverApproved", transfer.action_at)
        return len(rows)
