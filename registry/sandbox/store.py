"""The sandbox registry's own storage: one SQLite file in its directory.

It holds what a registry holds (registrars, contacts, domains, transfers, poll messages)
and the sandbox clock: an offset added to the real time, moved by
``manage.py registry_sandbox clock`` from another process while the server runs. Secrets
(registrar passwords, authInfo) are stored only as salted hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

DB_NAME = "registry.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registrar (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS contact (
    handle TEXT PRIMARY KEY,
    roid TEXT NOT NULL UNIQUE,
    sponsor TEXT NOT NULL REFERENCES registrar(client_id),
    postal_type TEXT NOT NULL DEFAULT 'loc',
    name TEXT NOT NULL,
    org TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '[]',
    city TEXT NOT NULL,
    province TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL,
    voice TEXT NOT NULL DEFAULT '',
    fax TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    authinfo_hash TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT,
    updated_at TEXT
);
CREATE TABLE IF NOT EXISTS domain (
    name TEXT PRIMARY KEY,
    roid TEXT NOT NULL UNIQUE,
    tld TEXT NOT NULL,
    sponsor TEXT NOT NULL REFERENCES registrar(client_id),
    registrant TEXT REFERENCES contact(handle),
    statuses TEXT NOT NULL DEFAULT '[]',
    authinfo_hash TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT,
    updated_at TEXT,
    expires_at TEXT NOT NULL,
    transferred_at TEXT
);
CREATE TABLE IF NOT EXISTS transfer (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL REFERENCES domain(name),
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES registrar(client_id),
    requested_at TEXT NOT NULL,
    action_by TEXT NOT NULL REFERENCES registrar(client_id),
    action_at TEXT NOT NULL,
    period_years INTEGER
);
CREATE INDEX IF NOT EXISTS transfer_pending ON transfer(status, action_at);
CREATE INDEX IF NOT EXISTS transfer_domain ON transfer(domain, id);
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    registrar TEXT NOT NULL REFERENCES registrar(client_id),
    queued_at TEXT NOT NULL,
    text TEXT NOT NULL,
    transfer TEXT,
    acked_at TEXT
);
CREATE INDEX IF NOT EXISTS message_queue ON message(registrar, acked_at, id);
"""

# Columns added since the first sandboxes were made: (table, column, declaration).
_ADDED_COLUMNS = (
    # NASK: the digest of the link e-mailed to the subscriber to confirm a transfer
    ("transfer", "confirmation_hash", "TEXT"),
    # a poll message that is not about a transfer: {"kind": ..., fields} (pollAuthInfo, expData)
    ("message", "payload", "TEXT"),
    # NASK's extcon:individual: a natural person (1) or an organisation (0)
    ("contact", "individual", "INTEGER"),
    # whose queue a message is in: each registry (door) has its own, as real registries do
    ("message", "registry", "TEXT NOT NULL DEFAULT 'rfc'"),
)

# A sandbox trades hashing cost for speed; the point is that no secret is stored readable.
_PBKDF2_ITERATIONS = 20_000


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, _PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${_PBKDF2_ITERATIONS}${salt.hex()}${digest.hex()}"


def check_secret(secret: str, stored: str | None) -> bool:
    if not stored or not secret:
        return False
    _, iterations, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(candidate.hex(), digest)


def to_db(moment: datetime) -> str:
    # One fixed UTC format, so that text order is time order in SQL comparisons.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str | None) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) if text else None


def new_roid(kind: str) -> str:
    return f"{kind}{uuid.uuid4().hex[:12].upper()}-SBX"


@dataclass(frozen=True)
class DomainRow:
    name: str
    roid: str
    tld: str
    sponsor: str
    registrant: str | None
    statuses: tuple[str, ...]
    authinfo_hash: str | None
    created_by: str
    created_at: datetime
    updated_by: str | None
    updated_at: datetime | None
    expires_at: datetime
    transferred_at: datetime | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> DomainRow:
        return cls(
            name=row["name"],
            roid=row["roid"],
            tld=row["tld"],
            sponsor=row["sponsor"],
            registrant=row["registrant"],
            statuses=tuple(json.loads(row["statuses"])),
            authinfo_hash=row["authinfo_hash"],
            created_by=row["created_by"],
            created_at=from_db(row["created_at"]),
            updated_by=row["updated_by"],
            updated_at=from_db(row["updated_at"]),
            expires_at=from_db(row["expires_at"]),
            transferred_at=from_db(row["transferred_at"]),
        )


@dataclass(frozen=True)
class TransferRow:
    id: int
    domain: str
    status: str
    requested_by: str
    requested_at: datetime
    action_by: str
    action_at: datetime
    period_years: int | None
    confirmation_hash: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> TransferRow:
        return cls(
            id=row["id"],
            domain=row["domain"],
            status=row["status"],
            requested_by=row["requested_by"],
            requested_at=from_db(row["requested_at"]),
            action_by=row["action_by"],
            action_at=from_db(row["action_at"]),
            period_years=row["period_years"],
            confirmation_hash=row["confirmation_hash"],
        )


class SandboxStore:
    def __init__(self, directory: str | Path, mail_dir: str | Path | None = None) -> None:
        self.directory = Path(directory)
        self.path = self.directory / DB_NAME
        # Where the registry's own e-mails go (NASK's transfer confirmations), one .eml each.
        self.mail_dir = Path(mail_dir) if mail_dir else self.directory / "mail"
        # Where the subscriber's confirmation link points: the HTTPS door, once it serves.
        self.confirmation_url = "https://127.0.0.1:7743/registry/confirm"
        # Threads of one process queue here rather than spin on SQLite's file lock.
        self._lock = threading.RLock()
        self.directory.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            for table, column, declaration in _ADDED_COLUMNS:
                present = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")  # noqa: S608

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; everything in it is committed together or not at all."""
        with self._lock:
            db = self._connect()
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                db.close()

    # ------------------------------------------------------------------ clock

    def clock_offset(self, db: sqlite3.Connection | None = None) -> timedelta:
        if db is None:
            with self.transaction() as db:
                return self.clock_offset(db)
        row = db.execute("SELECT value FROM meta WHERE key = 'clock_offset'").fetchone()
        return timedelta(seconds=float(row["value"])) if row else timedelta(0)

    def set_clock_offset(self, offset: timedelta) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('clock_offset', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(offset.total_seconds()),),
            )

    def advance_clock(self, delta: timedelta) -> datetime:
        with self.transaction() as db:
            offset = self.clock_offset(db) + delta
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('clock_offset', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(offset.total_seconds()),),
            )
        return self.now()

    def reset_clock(self) -> None:
        self.set_clock_offset(timedelta(0))

    def now(self, db: sqlite3.Connection | None = None) -> datetime:
        """The registry's time: the real time moved by the clock offset."""
        return datetime.now(UTC) + self.clock_offset(db)

    # ------------------------------------------------------------------ outages, as registries have them

    def _set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def refuse_logins(self, client_id: str, code: int | None = 2502) -> None:
        """Every login of ``client_id`` is refused with ``code`` (2502: session limit exceeded),
        until called again with None."""
        self._set_meta(f"refuse_logins:{client_id}", None if code is None else str(code))

    def login_refusal(self, db: sqlite3.Connection, client_id: str) -> int | None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (f"refuse_logins:{client_id}",)).fetchone()
        return int(row["value"]) if row else None

    def fail_next(self, client_id: str, command: str, times: int = 1) -> None:
        """The next ``times`` commands ``command`` (e.g. "domain:transfer:request") of
        ``client_id`` fail with 2400 and do nothing, as a registry's internal fault."""
        self._set_meta(f"fail_next:{client_id}:{command}", str(times))

    def take_failure(self, db: sqlite3.Connection, client_id: str, command: str) -> bool:
        key = f"fail_next:{client_id}:{command}"
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if not row or int(row["value"]) <= 0:
            return False
        db.execute("UPDATE meta SET value = ? WHERE key = ?", (str(int(row["value"]) - 1), key))
        return True

    def answer_no_transfer_history(self, code: int | None) -> None:
        """The result code of a transfer query of a domain that has never had a transfer:
        2002 by default (Nomulus: "Object has no transfer history"); 2301 as other registries
        answer it. None puts the default back."""
        self._set_meta("no_transfer_history", None if code is None else str(code))

    def no_transfer_history_code(self, db: sqlite3.Connection) -> int:
        row = db.execute("SELECT value FROM meta WHERE key = 'no_transfer_history'").fetchone()
        return int(row["value"]) if row else 2002

    # ------------------------------------------------------------------ registry staff's tools

    def is_seeded(self) -> bool:
        with self.transaction() as db:
            return db.execute("SELECT COUNT(*) FROM registrar").fetchone()[0] > 0

    def wipe(self) -> None:
        """Forget everything, clock included."""
        with self.transaction() as db:
            for table in ("message", "transfer", "domain", "contact", "registrar", "meta"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def add_registrar(self, client_id: str, name: str, password: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO registrar(client_id, name, password_hash) VALUES (?, ?, ?)",
                (client_id, name, hash_secret(password)),
            )

    def add_contact(
        self,
        handle: str,
        *,
        sponsor: str,
        name: str,
        city: str,
        country: str,
        email: str,
        org: str = "",
        street: Iterable[str] = (),
        postal_code: str = "",
        voice: str = "",
        authinfo: str | None = None,
        created_at: datetime | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO contact(handle, roid, sponsor, name, org, street, city, postal_code, "
                "country, voice, email, authinfo_hash, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    handle,
                    new_roid("C"),
                    sponsor,
                    name,
                    org,
                    json.dumps(list(street)),
                    city,
                    postal_code,
                    country,
                    voice,
                    email,
                    hash_secret(authinfo or secrets.token_urlsafe(12)),
                    sponsor,
                    to_db(created_at or self.now(db)),
                ),
            )

    def add_domain(
        self,
        name: str,
        *,
        sponsor: str,
        registrant: str | None,
        authinfo: str | None,
        created_at: datetime,
        expires_at: datetime,
        statuses: Iterable[str] = (),
        transferred_at: datetime | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO domain(name, roid, tld, sponsor, registrant, statuses, authinfo_hash, "
                "created_by, created_at, expires_at, transferred_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name,
                    new_roid("D"),
                    name.rsplit(".", 1)[-1],
                    sponsor,
                    registrant,
                    json.dumps(sorted(set(statuses))),
                    hash_secret(authinfo) if authinfo else None,
                    sponsor,
                    to_db(created_at),
                    to_db(expires_at),
                    to_db(transferred_at) if transferred_at else None,
                ),
            )

    def send_mail(self, to: str, subject: str, body: str, *, when: datetime) -> Path:
        """Write the registry's e-mail to ``mail_dir`` as an .eml file, as a mail catcher would.
        ``when``: the registry's clock (read in the caller's transaction)."""
        message = EmailMessage()
        message["From"] = "transfer@registry.sandbox.invalid"
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(when)
        message.set_content(body)
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        path = self.mail_dir / f"{when:%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
        return path

    def queue_notice(self, registrar: str, text: str, payload: dict, *, registry: str = "nask") -> None:
        """Queue a poll message that is not about a transfer (``payload["kind"]`` says which:
        pollAuthInfo, expData, ...), as NASK's own processes would."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO message(registrar, queued_at, text, payload, registry) VALUES (?, ?, ?, ?, ?)",
                (registrar, self.now(db).isoformat(), text, json.dumps(payload), registry),
            )

    # ------------------------------------------------------------------ reading, for people and tests

    def domain(self, name: str) -> DomainRow | None:
        with self.transaction() as db:
            row = db.execute("SELECT * FROM domain WHERE name = ?", (name,)).fetchone()
        return DomainRow.from_row(row) if row else None

    def transfers(self, name: str) -> list[TransferRow]:
        with self.transaction() as db:
            rows = db.execute("SELECT * FROM transfer WHERE domain = ? ORDER BY id", (name,)).fetchall()
        return [TransferRow.from_row(r) for r in rows]

    def authinfo_matches(self, name: str, authinfo: str) -> bool:
        row = self.domain(name)
        return row is not None and check_secret(authinfo, row.authinfo_hash)

    def pending_messages(self, client_id: str, registry: str | None = None) -> int:
        """Messages waiting for ``client_id``, at one registry's door or at both."""
        with self.transaction() as db:
            return db.execute(
                "SELECT COUNT(*) FROM message WHERE registrar = ? AND acked_at IS NULL "
                "AND (? IS NULL OR registry = ?)",
                (client_id, registry, registry),
            ).fetchone()[0]
