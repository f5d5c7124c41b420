"""Due confirmation deadlines per second on PostgreSQL, fired by one processor and by several
at once, with a check that each fired exactly once.

For each number of processors the command makes a database of its own on the configured server,
migrates it and seeds ``--count`` incoming transfers whose confirmation deadline has passed: one
is opened through the product's own step (``bench_transitions``' ``_open_transfer``) and the
others are copies of its rows made in bulk by SQL: the transfer row, its viewflow process and the
process's four tasks (start, the risk check, the wait for the confirmation and the deadline's
timer, now due) with their links, which is everything the firing reads and writes. Then that many
worker processes, started together, each run the round ``workflows.timers.fire_due_timers``
against it, as ``process_registry`` runs on several machines; the command counts the expiry
events and the customers' mail rows the round wrote (one each per transfer, no duplicates) and
checks the history chain, and drops the database, whatever happens.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .bench_transitions import CUSTOMER, _admin_statement, _ready, _run, _together, _worker_environment

PREFIX = "bench-timer-"
_HIDDEN = "used by the command for its own worker processes"


class Command(BaseCommand):
    help = (
        "Seeds --count incoming transfers with due confirmation deadlines in a PostgreSQL "
        "database of its own, fires them with each number of --processors at once, prints "
        "seconds and timers per second, and checks each fired exactly once (events, mails, "
        "the history chain). Drops the database at the end."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=10_000, help="due timers per run")
        parser.add_argument("--processors", default="1,2", help="numbers of processors, comma-separated")
        parser.add_argument("--batch", type=int, default=200, help="timers one processor claims at a time")
        parser.add_argument("--worker", choices=["seed", "fire", "verify"], help=_HIDDEN)

    def handle(self, *args, count: int, processors: str, batch: int, worker: str | None, **options):
        if worker == "seed":
            self.stdout.write(json.dumps(_seed(count)))
            return
        if worker == "fire":
            self.stdout.write(json.dumps(_fire(batch)))
            return
        if worker == "verify":
            self.stdout.write(json.dumps(_verify()))
            return
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_timers measures PostgreSQL (row locks, several processors at once); "
                f"the configured database is {connection.vendor}. Set DATABASE_URL to a PostgreSQL server."
            )
        try:
            counts = [int(p) for p in processors.split(",") if p.strip()]
        except ValueError:
            raise CommandError("--processors takes numbers, e.g. 1,2") from None
        if not counts or min(counts) < 1 or count < 1 or batch < 1:
            raise CommandError("--count, --processors and --batch must be at least 1.")
        with connection.cursor() as cursor:
            version = cursor.connection.info.server_version
        self.stdout.write(
            f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, PostgreSQL {version // 10000}.{version % 10000}, "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        self.stdout.write(f"{count} due confirmation deadlines per run, batches of {batch}")
        self.stdout.write(
            f"{'procs':>5} {'seconds':>8} {'timers/s':>9} {'fired by each':>15} "
            f"{'expired':>8} {'events':>7} {'mails':>6} {'dupl.':>6} {'chain':>6} exactly once"
        )
        for number in counts:
            self._one(number, count, batch)

    def _one(self, processors: int, count: int, batch: int) -> None:
        name = f"bench_timers_{os.getpid()}_{processors}"
        _admin_statement(f'CREATE DATABASE "{name}"')
        try:
            env = _worker_environment(name)
            command = [sys.executable, "manage.py", "bench_timers", "--worker"]
            _run([sys.executable, "manage.py", "migrate", "-v0"], env)
            _run([*command, "seed", "--count", str(count)], env)
            outputs = _race(env, processors, batch)
            seconds = max(o["ended"] for o in outputs) - min(o["began"] for o in outputs)
            fired = [o["fired"] for o in outputs]
            found = json.loads(_run([*command, "verify"], env).splitlines()[-1])
        finally:
            _admin_statement(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        once = (
            sum(fired) == count
            and found["expired"] == found["events"] == found["mails"] == count
            and found["duplicates"] == 0
            and found["still_due"] == 0
            and found["chain_problems"] == 0
        )
        self.stdout.write(
            f"{processors:5d} {seconds:8.1f} {count / seconds:9.1f} {'+'.join(map(str, fired)):>15} "
            f"{found['expired']:8d} {found['events']:7d} {found['mails']:6d} {found['duplicates']:6d} "
            f"{'ok' if not found['chain_problems'] else 'BROKEN':>6} {'yes' if once else 'NO'}"
        )
        if not once:
            raise CommandError(f"a timer did not fire exactly once: fired {fired}, found {found}")


def _race(env: dict[str, str], processors: int, batch: int) -> list[dict]:
    """``processors`` workers, started together once each has loaded Django."""
    command = [sys.executable, "manage.py", "bench_timers", "--worker", "fire", "--batch", str(batch)]
    return _together([command] * processors, env, "a processor")


# ---------------------------------------------------------------------- the workers


def _seed(count: int) -> dict:
    """One transfer opened by the product, and ``count`` copies of the rows the firing reads
    and writes, with their deadlines passed."""
    from django.db import transaction

    from accounts.models import User
    from registry.models import Registrar, Tld
    from transfers.models import State, Transfer

    from .bench_transitions import LOSING, _open_transfer

    began = time.time()
    account = User.objects.create_user(username=CUSTOMER, email="bench@example.com")
    Tld.objects.get_or_create(name="com", defaults={"registry_name": "Verisign"})
    Registrar.objects.get_or_create(client_id=LOSING, defaults={"name": "Bench losing registrar"})
    template = _open_transfer("template-timer.com", account)
    with transaction.atomic(), connection.cursor() as cursor:
        transfer_columns = _columns(
            cursor, "transfers_transfer", {"id", "domain_name", "confirmation_deadline"}
        )
        cursor.execute(
            f"INSERT INTO transfers_transfer (domain_name, confirmation_deadline, {transfer_columns}) "  # noqa: S608
            f"SELECT %s || g || '.com', now() - interval '1 minute', {transfer_columns} "
            "FROM transfers_transfer, generate_series(1, %s) g WHERE id = %s",
            [PREFIX, count, template.pk],
        )
        process_columns = _columns(cursor, "viewflow_process", {"id", "artifact_object_id"})
        cursor.execute(
            f"INSERT INTO viewflow_process (artifact_object_id, {process_columns}) "  # noqa: S608
            f"SELECT t.id, {_prefixed('p', process_columns)} FROM viewflow_process p, transfers_transfer t "
            "WHERE p.artifact_object_id = %s AND p.artifact_content_type_id = "
            "(SELECT artifact_content_type_id FROM viewflow_process WHERE artifact_object_id = %s LIMIT 1) "
            "AND t.domain_name LIKE %s",
            [template.pk, template.pk, f"{PREFIX}%"],
        )
        task_columns = _columns(cursor, "viewflow_task", {"id", "process_id", "scheduled"})
        cursor.execute(
            f"INSERT INTO viewflow_task (process_id, scheduled, {task_columns}) "  # noqa: S608
            "SELECT np.id, CASE WHEN k.flow_task_type = 'TIMER' THEN now() - interval '1 minute' "
            f"ELSE k.scheduled END, {_prefixed('k', task_columns)} "
            "FROM viewflow_process tp JOIN viewflow_task k ON k.process_id = tp.id, "
            "viewflow_process np JOIN transfers_transfer t ON t.id = np.artifact_object_id "
            "WHERE tp.artifact_object_id = %s AND np.flow_class = tp.flow_class "
            "AND np.artifact_content_type_id = tp.artifact_content_type_id AND t.domain_name LIKE %s "
            "ORDER BY np.id, k.id",
            [template.pk, f"{PREFIX}%"],
        )
        # the links between a copy's tasks are the template's, by node
        cursor.execute(
            "INSERT INTO viewflow_task_previous (from_task_id, to_task_id) "
            "SELECT nf.id, nt.id FROM viewflow_task_previous l "
            "JOIN viewflow_task f ON f.id = l.from_task_id JOIN viewflow_task tt ON tt.id = l.to_task_id "
            "JOIN viewflow_process tp ON tp.id = f.process_id "
            "JOIN viewflow_task nf ON nf.flow_task = f.flow_task "
            "JOIN viewflow_task nt ON nt.flow_task = tt.flow_task AND nt.process_id = nf.process_id "
            "JOIN viewflow_process np ON np.id = nf.process_id "
            "JOIN transfers_transfer t ON t.id = np.artifact_object_id "
            "WHERE tp.artifact_object_id = %s AND t.domain_name LIKE %s",
            [template.pk, f"{PREFIX}%"],
        )
        cursor.execute("ANALYZE")
    waiting = Transfer.objects.filter(domain_name__startswith=PREFIX, state=State.AWAITING_CONFIRMATION)
    waiting = waiting.count()
    if waiting != count:
        raise CommandError(f"seeded {waiting} transfers instead of {count}")
    return {"seconds": time.time() - began}


def _columns(cursor, table: str, leave_out: set[str]) -> str:
    # the names come from the catalogue, not from anyone's input
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return ", ".join(row[0] for row in cursor.fetchall() if row[0] not in leave_out)


def _prefixed(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{column}" for column in columns.split(", "))


def _fire(batch: int) -> dict:
    from workflows.timers import fire_due_timers

    _ready()
    began = time.time()
    fired = fire_due_timers(batch=batch)
    return {"began": began, "ended": time.time(), "fired": fired}


def _verify() -> dict:
    from django.db.models import Count
    from django.utils import timezone
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from transfers.models import State, Transfer
    from workflows.history import iter_chain_problems
    from workflows.models import HistoryEvent, OutboxMessage

    events = HistoryEvent.objects.filter(
        domain_name__startswith=PREFIX, changes__state=["awaiting_confirmation", "expired"]
    )
    # the template's own deadline is days away: every expiry mail is a copy's
    mails = OutboxMessage.objects.filter(kind="transfers.mail", payload__kind="expired")
    repeated_events = events.values("subject_id").annotate(n=Count("id")).filter(n__gt=1).count()
    repeated_mails = mails.values("case_id").annotate(n=Count("id")).filter(n__gt=1).count()
    repeated_ends = (
        Task.objects.filter(flow_task_type="END").values("process_id").annotate(n=Count("id")).filter(n__gt=1)
    ).count()
    return {
        "expired": Transfer.objects.filter(domain_name__startswith=PREFIX, state=State.EXPIRED).count(),
        "events": events.count(),
        "mails": mails.count(),
        "duplicates": repeated_events + repeated_mails + repeated_ends,
        "still_due": Task.objects.filter(
            flow_task_type="TIMER", status=STATUS.SCHEDULED, scheduled__lte=timezone.now()
        ).count(),
        "chain_problems": sum(1 for _ in iter_chain_problems()),
    }
