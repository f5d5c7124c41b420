"""Transfer steps per second on PostgreSQL: through the product's own services against the same
rows written with raw SQL.

A life cycle is the three steps an incoming transfer takes with no registry involved: it is
opened (what ``start_incoming_transfer`` does once the registry has answered), the registrant
confirms it by the link, and the customer cancels it. The product path runs them through
``transfers.services``: the lock, the FSM, the chained history event, the flow's bookkeeping
and the outbox rows, one transaction each. The baseline writes the transfer row, one history
event row and one outbox row per step in one short transaction of raw SQL.

The command makes a database of its own on the configured server, migrates it, measures in
worker processes pointed at it (the only way to get several processes on one database) and
drops it at the end, whatever happens.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

CUSTOMER = "bench-transitions"
LOSING = "BENCH-LOSING"
TEMPLATE = "template-transfer.com"
STEPS = ("open", "confirm", "cancel")
# what one raw step sends: BEGIN, the transfer row, the event row, the outbox row, COMMIT
BASELINE_STATEMENTS = 3


class Command(BaseCommand):
    help = (
        "Makes a PostgreSQL database of its own, migrates it and runs --cycles transfer life "
        "cycles (open, confirm, cancel) per process, through the product's services and as raw "
        "SQL, with each number of --processes, alternating; prints transitions per second, "
        "p50/p95 per step, statements and commits per transition, and the ratio. Drops the "
        "database at the end."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--processes", default="1,4", help="numbers of processes, comma-separated")
        parser.add_argument("--cycles", type=int, default=100, help="life cycles per process and way")
        parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per configuration")
        # the worker side, run by the command itself in its subprocesses
        parser.add_argument("--worker", choices=["setup", "product", "baseline"], help=_HIDDEN)
        parser.add_argument("--tag", default="", help=_HIDDEN)

    def handle(
        self, *args, processes: str, cycles: int, rounds: int, worker: str | None, tag: str, **options
    ):
        if worker == "setup":
            _setup()
            return
        if worker:
            result = (_product if worker == "product" else _baseline)(cycles, tag)
            self.stdout.write(json.dumps(result))
            return
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_transitions measures PostgreSQL (row locks, commits, several processes); "
                f"the configured database is {connection.vendor}. Set DATABASE_URL to a PostgreSQL server."
            )
        try:
            counts = sorted({int(p) for p in processes.split(",") if p.strip()})
        except ValueError:
            raise CommandError("--processes takes numbers, e.g. 1,4") from None
        if not counts or min(counts) < 1 or cycles < 1 or rounds < 1:
            raise CommandError("--processes, --cycles and --rounds must be at least 1.")
        name = f"bench_transitions_{os.getpid()}"
        self._admin(f'CREATE DATABASE "{name}"')
        try:
            env = self._worker_env(name)
            _run([sys.executable, "manage.py", "migrate", "-v0"], env)
            _run([sys.executable, "manage.py", "bench_transitions", "--worker", "setup"], env)
            self._compare(env, counts, cycles, rounds)
        finally:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # ------------------------------------------------------------------ the server

    def _admin(self, statement: str) -> None:
        _admin_statement(statement)

    def _worker_env(self, name: str) -> dict[str, str]:
        return _worker_environment(name)

    # ------------------------------------------------------------------ the comparison

    def _compare(self, env: dict[str, str], counts: list[int], cycles: int, rounds: int) -> None:
        with connection.cursor() as cursor:
            version = cursor.connection.info.server_version
        machine = (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, PostgreSQL {version // 10000}.{version % 10000}"
        )
        self.stdout.write(f"Machine: {machine}")
        self.stdout.write(
            f"{cycles} life cycles (open, confirm, cancel) per process and way, {rounds} rounds"
        )
        header = (
            f"{'procs':>5} {'way':9} {'trans/s':>9} "
            + " ".join(f"{s + ' p50/p95':>17}" for s in STEPS)
            + f" {'stmts/tr':>9} {'commits/step':>13}"
        )
        self.stdout.write(header)
        for count in counts:
            results: dict[str, list[dict]] = {"product": [], "baseline": []}
            for number in range(rounds):
                order = ["product", "baseline"] if number % 2 == 0 else ["baseline", "product"]
                for way in order:
                    results[way].append(_round(env, way, count, cycles, f"{way[0]}{count}r{number}"))
            rates = {}
            for way in ("product", "baseline"):
                merged = _merge(results[way])
                rates[way] = merged["rate"]
                steps = " ".join(
                    f"{_p(merged['ms'][s], 50):8.2f}/{_p(merged['ms'][s], 95):<8.2f}" for s in STEPS
                )
                self.stdout.write(
                    f"{count:5d} {way:9} {merged['rate']:9.1f} {steps} "
                    f"{merged['statements']:9.1f} {merged['commits']:13.2f}"
                )
            self.stdout.write(
                f"{count:5d} product/baseline: {rates['product'] / rates['baseline']:.2f} "
                f"(the baseline is {rates['baseline'] / rates['product']:.1f}x as fast)"
            )
        self.stdout.write(
            "product: held back after the commit (delivered by the relay, not measured): "
            f"{results['product'][0]['outputs'][0]['wakes_per_cycle']:.0f} outbox wake-ups per life cycle"
        )


_HIDDEN = "used by the command for its own worker processes"


def _admin_statement(statement: str) -> None:
    """A statement on the server's maintenance database (making and dropping our own)."""
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    ) as admin:
        admin.execute(statement)


def _worker_environment(name: str) -> dict[str, str]:
    """The environment of a worker process pointed at the database ``name``."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL",)}
    env.update(
        DATABASE_URL=f"postgres://{user}{password}@{db.get('HOST') or 'localhost'}{port}/{name}",
        DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE,
        DJANGO_DEBUG="0",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DATABASE_CONN_MAX_AGE="600",
    )
    return env


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)
    if done.returncode:
        raise CommandError(f"{' '.join(command[1:4])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _together(commands: list[list[str]], env: dict[str, str], what: str) -> list[dict]:
    """Start a worker process per command; once every one says "ready" (Django and its rows
    loaded), tell them all "go"; return the JSON each printed last. ``what`` names a worker
    in an error."""
    workers = [
        subprocess.Popen(
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    try:
        for worker in workers:
            if worker.stdout.readline().strip() != "ready":
                raise CommandError(f"{what} did not start:\n{worker.stderr.read()[-3000:]}")
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = []
        for worker in workers:
            out, err = worker.communicate()
            if worker.returncode:
                raise CommandError(f"{what} failed:\n{err[-3000:]}")
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    return outputs


def _round(env: dict[str, str], way: str, count: int, cycles: int, tag: str) -> dict:
    """``count`` workers, started together once each has loaded Django and its rows."""
    command = [sys.executable, "manage.py", "bench_transitions", "--worker", way, "--cycles", str(cycles)]
    outputs = _together([[*command, "--tag", f"{tag}p{i}"] for i in range(count)], env, f"a {way} worker")
    return {
        "seconds": max(o["ended"] for o in outputs) - min(o["began"] for o in outputs),
        "outputs": outputs,
    }


def _merge(rounds: list[dict]) -> dict:
    transitions = sum(o["transitions"] for r in rounds for o in r["outputs"])
    steps = sum(len(o["ms"]["open"]) * len(STEPS) for r in rounds for o in r["outputs"])
    return {
        "rate": statistics.median(sum(o["transitions"] for o in r["outputs"]) / r["seconds"] for r in rounds),
        "ms": {s: [ms for r in rounds for o in r["outputs"] for ms in o["ms"][s]] for s in STEPS},
        "statements": sum(o["statements"] for r in rounds for o in r["outputs"]) / transitions,
        "commits": sum(o["commits"] for r in rounds for o in r["outputs"]) / steps,
    }


def _p(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _ready() -> None:
    """Tell the parent we are loaded, and wait for everyone's start."""
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()


# ---------------------------------------------------------------------- the workers


def _setup() -> None:
    """The rows every life cycle uses: a customer, .com and its rules, the losing registrar,
    and one transfer the raw baseline copies its rows from."""
    from accounts.models import User
    from registry.models import Registrar, Tld
    from transfers.models import TransferPolicy

    User.objects.create_user(username=CUSTOMER, email="bench@example.com")
    tld, _created = Tld.objects.get_or_create(name="com", defaults={"registry_name": "Verisign"})
    TransferPolicy.current_for(tld)
    Registrar.objects.get_or_create(client_id=LOSING, defaults={"name": "Bench losing registrar"})
    _open_transfer(TEMPLATE, User.objects.get(username=CUSTOMER))


def _open_transfer(domain_name: str, account, checked: tuple | None = None):
    """What ``start_incoming_transfer`` does once the registry has answered (the domain is
    there, its code is right, the registrant's address read): the request, its confirmation
    link, the accepted code, the event, the customer's mail and the flow, in one transaction.
    ``checked`` is what the service read before it asked the registry (the TLD, its policy,
    the losing registrar, from ``_checked()``), so that a run reads it once."""
    from django.db import transaction

    from registry.models import Domain
    from transfers import events
    from transfers.kind import TRANSFERS
    from transfers.models import AuthInfoAttempt, Direction, State, Transfer
    from transfers.services.checks import RegistrantAddress, attempt, review_reasons
    from transfers.services.incoming import _issue_confirmation, _set_confirmation_deadline
    from transfers.services.steps import mail
    from workflows import sealing
    from workflows.models import Channel

    tld, policy, losing = checked or _checked()
    code = "Bench-Code-1!"
    code_digest = sealing.digest(domain_name, code)
    address = RegistrantAddress("registrant@example.com", "registry")
    reasons = review_reasons(domain_name, address)
    with transaction.atomic():
        transfer = Transfer(
            direction=Direction.INCOMING,
            domain_name=domain_name,
            tld=tld,
            domain=Domain.objects.filter(name=domain_name).first(),
            account=account,
            other_registrar=losing,
            policy=policy,
            state=State.REVIEW if reasons else State.AWAITING_CONFIRMATION,
            review_required=bool(reasons),
            review_reasons=reasons,
            confirmation_email=address.email,
            confirmation_email_source=address.source,
            authinfo_sealed=sealing.seal(code),
            authinfo_digest=code_digest,
        )
        if not reasons:
            _set_confirmation_deadline(transfer)
        transfer.save()
        if not reasons:
            _issue_confirmation(transfer, deadline_set=True)
        attempt(account, domain_name, code_digest, AuthInfoAttempt.Outcome.ACCEPTED, transfer)
        events.state_changed(
            transfer,
            "",
            "Transfer of %(domain)s to us requested; confirmation sent to %(email)s.",
            actor=account,
            channel=Channel.WEB,
            data={"losing_registrar": LOSING, "confirmation_email_source": address.source},
            email=address.email,
        )
        mail("started")(transfer)
        TRANSFERS.start_flow(transfer, new=True)
    return transfer


def _checked() -> tuple:
    from registry.models import Registrar, Tld
    from transfers.models import TransferPolicy

    tld = Tld.objects.get(name="com")
    losing, _created = Registrar.objects.get_or_create(client_id=LOSING, defaults={"name": LOSING})
    return tld, TransferPolicy.current_for(tld), losing


class _Counter:
    """Statements and commits one process sends, through Django's own hooks."""

    def __init__(self) -> None:
        self.statements = 0
        self.commits = 0
        self._pending = False

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        if not connection.in_atomic_block:
            self.commits += 1  # autocommit: the statement is a transaction of its own
        elif not self._pending:
            self._pending = True
            connection.on_commit(self._committed)
        return execute(sql, params, many, context)

    def _committed(self) -> None:
        self.commits += 1
        self._pending = False


def _product(cycles: int, tag: str) -> dict:
    from transfers.models import Transfer
    from transfers.services import cancel_transfer, confirm_transfer
    from workflows import outbox, sealing
    from workflows.models import Channel, OutboxMessage

    # What a step asks for after its commit (the registrant's mail, our request to the
    # registry) is the relay's work, not the step's: it would reach the registry, and it is
    # not what is measured. The outbox rows are written and committed all the same.
    wakes = [0]

    def held_back(message_id: int, *, local: bool = False) -> None:
        wakes[0] += 1

    outbox.wake = held_back
    account = Transfer.objects.get(domain_name=TEMPLATE).account
    checked = _checked()
    counter = _Counter()
    ms: dict[str, list[float]] = {s: [] for s in STEPS}
    statements = commits = transitions = 0
    _ready()
    began = time.time()
    for i in range(cycles):
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            transfer = _open_transfer(f"bench-{tag}-{i}.com", account, checked)
            ms["open"].append((time.perf_counter() - t0) * 1000)
        sealed = OutboxMessage.objects.get(kind="transfers.confirmation", case_id=str(transfer.pk)).sealed
        token = sealing.unseal(sealed)
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            confirm_transfer(token=token)
            ms["confirm"].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            cancel_transfer(transfer=transfer, actor=account, channel=Channel.WEB, reason="bench")
            ms["cancel"].append((time.perf_counter() - t0) * 1000)
        transitions += 3
    ended = time.time()
    statements, commits = counter.statements, counter.commits
    if Transfer.objects.filter(domain_name__startswith=f"bench-{tag}-", state="cancelled").count() != cycles:
        raise CommandError("not every life cycle ended cancelled")
    return {
        "began": began,
        "ended": ended,
        "ms": ms,
        "transitions": transitions,
        "statements": statements,
        "commits": commits,
        "wakes_per_cycle": wakes[0] / cycles,
    }


def _baseline(cycles: int, tag: str) -> dict:
    """The same three steps as raw SQL on a connection of its own: per step one transaction
    with the transfer row, one history event row and one outbox row."""
    import psycopg
    from django.contrib.contenttypes.models import ContentType

    from transfers.models import Transfer

    template = Transfer.objects.get(domain_name=TEMPLATE)
    transfer_type = ContentType.objects.get_for_model(Transfer).pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'transfers_transfer' "
            "AND column_name NOT IN ('id', 'domain_name', 'state', 'created_at') ORDER BY ordinal_position"
        )
        columns = [row[0] for row in cursor.fetchall()]
    copied = ", ".join(columns)
    # the column names come from the catalogue, not from anyone's input
    open_sql = (
        f"INSERT INTO transfers_transfer (domain_name, state, created_at, {copied}) "  # noqa: S608
        f"SELECT %s, 'awaiting_confirmation', now(), {copied} FROM transfers_transfer "
        "WHERE id = %s RETURNING id"
    )
    move_sql = "UPDATE transfers_transfer SET state = %s, authinfo_sealed = %s WHERE id = %s"
    event_sql = (
        "INSERT INTO workflows_historyevent (occurred_at, actor_label, channel, event_type, subject_type_id, "
        "subject_id, domain_name, summary, reason, changes, data, chain, seq, prev_hash, hash) "
        "VALUES (now(), 'bench', 'web', 'transfer.state_changed', %s, %s, %s, %s, '', %s, '{}', "
        "%s, %s, '', %s)"
    )
    outbox_sql = (
        "INSERT INTO workflows_outboxmessage (kind, payload, sealed, case_type_id, case_id, created_at, "
        "available_at, attempts, last_error) VALUES (%s, %s, '', %s, %s, now(), now(), 0, '')"
    )
    db = settings.DATABASES["default"]
    raw = psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    ms: dict[str, list[float]] = {s: [] for s in STEPS}
    _ready()
    began = time.time()
    with raw:
        for i in range(cycles):
            name = f"bench-{tag}-{i}.com"
            pk = None
            for step, (before, after, kind) in zip(
                STEPS,
                [
                    ("", "awaiting_confirmation", "transfers.confirmation"),
                    ("awaiting_confirmation", "submitting", "transfers.registry"),
                    ("submitting", "cancelled", "transfers.mail"),
                ],
                strict=True,
            ):
                t0 = time.perf_counter()
                with raw.transaction():
                    if pk is None:
                        pk = raw.execute(open_sql, (name, template.pk)).fetchone()[0]
                    else:
                        raw.execute(move_sql, (after, "", pk))
                    changes = json.dumps({"state": [before or None, after]})
                    digest = hashlib.sha256(f"{pk}{step}".encode()).hexdigest()
                    place = STEPS.index(step) + 1
                    raw.execute(
                        event_sql,
                        (transfer_type, str(pk), name, step, changes, f"baseline:{pk}", place, digest),
                    )
                    raw.execute(outbox_sql, (kind, json.dumps({"transfer": pk}), transfer_type, str(pk)))
                ms[step].append((time.perf_counter() - t0) * 1000)
    ended = time.time()
    return {
        "began": began,
        "ended": ended,
        "ms": ms,
        "transitions": 3 * cycles,
        "statements": BASELINE_STATEMENTS * 3 * cycles,
        "commits": 3 * cycles,
        "wakes_per_cycle": 0,
    }
