"""The periodic rounds: one registry that both ``process_registry`` and Celery beat run from.
Every round is in beat's schedule with its interval, every task of the project is run by
something, and a round that fails stops none of the others."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from datetime import timedelta
from importlib import import_module
from io import StringIO
from pathlib import Path

import pytest
from celery import shared_task
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from config.celery import app as celery_app
from registry.epp.results import ClientConfigurationError
from workflows import rounds
from workflows.models import EventType, HistoryEvent
from workflows.roles import Team, team_permission

ROOT = Path(__file__).resolve().parents[2]
REVIEW = "transfers/flows.IncomingTransferFlow.review"

# What the hand-written beat schedule used to hold, and the flow catch-ups it lacked.
KNOWN_ROUNDS = {
    "poll messages": "transfers.tasks.process_poll_messages",
    "transfers reconciled": "transfers.tasks.reconcile_pending_transfers",
    "codes reset": "domains.tasks.reset_expired_authinfo_codes",
    "domains compared with the registry": "domains.tasks.compare_with_registry",
    "timers fired": "transfers.tasks.fire_workflow_timers",
    "flow steps": "transfers.tasks.sync_open_flows",
    "cesja reminders": "assignments.tasks.send_cesja_reminders",
    "cesje expired": "assignments.tasks.expire_overdue_cesje",
    "cesja flow steps": "assignments.tasks.sync_open_flows",
    "history checkpoint": "workflows.tasks.checkpoint_history",
    "outbox messages sent": "workflows.tasks.relay_outbox",
    "task deadlines": "workflows.tasks.warn_and_escalate",
}


@shared_task
def refuse_to_run() -> int:
    """A round whose configuration is wrong, as a registry step's can be."""
    raise ImproperlyConfigured("this round is configured wrongly on purpose")


@pytest.fixture
def broken_round():
    """A round registered to run before every other one, and to fail."""
    rounds.register("broken", refuse_to_run, every=60, order=0)
    yield "broken"
    rounds.unregister("broken")


@pytest.fixture
def overdue_task(staff_user, supervisor) -> Task:
    """A review in the domains team's queue, past its deadline: the deadline round escalates it."""
    staff_user(Team.DOMAINS)
    created = timezone.now() - timedelta(hours=30)
    process = Process.objects.create(flow_class=REVIEW.rsplit(".", 1)[0], created=created)
    return Task.objects.create(
        process=process,
        flow_task=REVIEW,
        flow_task_type="HUMAN",
        status=STATUS.NEW,
        created=created,
        owner_permission=team_permission(Team.DOMAINS),
    )


def escalations() -> int:
    return HistoryEvent.objects.filter(event_type=EventType.TASK_ESCALATED).count()


def report(output: str) -> list[tuple[str, str]]:
    """``process_registry``'s line, "name: count, name: count", as pairs."""
    return [tuple(part.rsplit(": ", 1)) for part in output.strip().split(", ")]


# --- the registry -----------------------------------------------------------------------


def test_the_apps_register_every_round_in_order() -> None:
    registered = rounds.registered()
    assert {r.name: r.task for r in registered} == KNOWN_ROUNDS
    names = [r.name for r in registered]
    # Poll before the relay sends what the poll messages moved on; the timers before any flow
    # catch-up; the deadline warnings after the flows have opened their tasks.
    assert names.index("poll messages") < names.index("outbox messages sent")
    assert names.index("timers fired") < min(names.index("flow steps"), names.index("cesja flow steps"))
    assert names[-1] == "task deadlines"
    for each in registered:
        task = import_module(each.task.rsplit(".", 1)[0])
        assert getattr(task, each.task.rsplit(".", 1)[1]).name == each.task
        assert celery_app.tasks[each.task].acks_late is True


def test_a_name_is_one_task() -> None:
    first = rounds.registered()[0]
    again = rounds.register(first.name, first.task, every=first.interval, order=first.order)
    assert again == first  # ready() running again changes nothing
    with pytest.raises(ValueError, match="already registered"):
        rounds.register(first.name, "workflows.tasks.warn_and_escalate", every=60)
    assert rounds.registered()[0] == first


# --- Celery beat ------------------------------------------------------------------------


def test_every_round_is_in_the_beat_schedule_with_its_interval() -> None:
    celery_app.finalize()
    schedule = celery_app.conf.beat_schedule
    for each in rounds.registered():
        assert schedule[each.name]["task"] == each.task
        assert schedule[each.name]["schedule"] == each.interval
    assert rounds.beat_schedule() == {
        r.name: {"task": r.task, "schedule": r.interval} for r in rounds.registered()
    }


BEAT = """
import json, os, sys, tempfile
from celery.apps.beat import Beat
from celery.beat import Service
from config.celery import app

Beat(app=app, quiet=True).init_loader()  # what `celery beat` does before it reads the schedule
with tempfile.TemporaryDirectory() as directory:
    scheduler = Service(app=app, schedule_filename=os.path.join(directory, "beat")).scheduler
    entries = {
        name: [entry.task, entry.schedule.run_every.total_seconds()]
        for name, entry in scheduler.schedule.items()
        if not entry.task.startswith("celery.")
    }
    scheduler.close()
sys.stdout.write("SCHEDULE " + json.dumps(entries) + "\\n")
"""


def test_celery_beat_builds_its_schedule_from_the_rounds() -> None:
    """A fresh process starts the scheduler as ``celery -A config beat`` does."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "CELERY_SKIP_CHECKS": "1"}
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", BEAT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("SCHEDULE ")]
    entries = json.loads(line.removeprefix("SCHEDULE "))
    assert entries == {r.name: [r.task, r.interval] for r in rounds.registered()}


# --- nothing periodic is left out -------------------------------------------------------


def _first_party() -> set[str]:
    return {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT) and config.name != "tests"
    }


def _project_tasks() -> dict[str, str]:
    """Every Celery task of the project: its name and the module that defines it."""
    packages = _first_party()
    for package in packages:
        if (ROOT / package / "tasks.py").exists():
            import_module(f"{package}.tasks")
    return {name: name.rsplit(".", 1)[0] for name in celery_app.tasks if name.split(".")[0] in packages}


def _module_of(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imported_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    package = module if is_package else module.rsplit(".", 1)[0]
    for _ in range(node.level - 1):
        package = package.rsplit(".", 1)[0]
    return f"{package}.{node.module}" if node.module else package


def _references(path: Path, tasks: dict[str, str]) -> set[str]:
    """The tasks this file names: imported and used, reached through their tasks module (also
    by a name in a string, as ``getattr(tasks, name)`` does), or used in their own module.
    Names are resolved through the imports, so a function of the same name elsewhere (a
    service a task calls) is not mistaken for the task."""
    module, is_package = _module_of(path)
    task_modules = set(tasks.values())
    tree = ast.parse(path.read_text(encoding="utf-8"))
    local_tasks = {name.rsplit(".", 1)[1]: name for name, where in tasks.items() if where == module}
    local_modules: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _imported_from(node, module, is_package)
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if full in tasks:
                    local_tasks[alias.asname or alias.name] = full
                elif full in task_modules:
                    local_modules[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in task_modules and alias.asname:
                    local_modules[alias.asname] = alias.name
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in local_tasks:
            found.add(local_tasks[node.id])
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in local_modules
        ):
            found.add(f"{local_modules[node.value.id]}.{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
            found.update(f"{source}.{node.value}" for source in local_modules.values())
    return found & set(tasks)


def _referenced_outside_rounds(tasks: dict[str, str]) -> set[str]:
    """Tasks the project's code enqueues or calls: every module but the tests, the
    migrations and the apps' registrations of rounds (apps.py)."""
    found: set[str] = set()
    for package in _first_party():
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts or path.name == "apps.py":
                continue
            found |= _references(path, tasks)
    return found


def test_every_task_of_the_project_is_run_by_something() -> None:
    tasks = _project_tasks()
    referenced = _referenced_outside_rounds(tasks)
    # The scan resolves names through the imports: a job the engine enqueues by name and
    # one a command calls are found; the poll round's task is not confused with the poll
    # module's function of the same name that it calls.
    assert {"workflows.tasks.deliver_outbox_message", "registry.tasks.sync_domain"} <= referenced
    assert "transfers.tasks.process_poll_messages" not in referenced

    in_rounds = {r.task for r in rounds.registered()}
    nothing_runs = sorted(set(tasks) - in_rounds - referenced)
    assert not nothing_runs, (
        f"tasks no periodic round registers and no code enqueues: {', '.join(nothing_runs)}; "
        "register a periodic one in its app's ready() (workflows.rounds.register)"
    )


# --- process_registry ---------------------------------------------------------------------


def test_process_registry_runs_every_round_in_order(transfer_world, overdue_task) -> None:
    # The round talks to the registry: to the test sandbox, as a registrar of its own.
    out = StringIO()
    call_command("process_registry", stdout=out)
    counts = report(out.getvalue())
    assert [name for name, _count in counts] == [r.name for r in rounds.registered()]
    assert all(count.isdigit() for _name, count in counts), counts
    assert dict(counts)["task deadlines"] == "1"
    assert escalations() == 1


def test_a_failing_round_stops_none_of_the_others(transfer_world, broken_round, overdue_task, caplog) -> None:
    out = StringIO()
    with pytest.raises(CommandError, match="broken"):
        call_command("process_registry", stdout=out)
    counts = report(out.getvalue())
    # The broken round ran first and failed; every round after it ran all the same.
    assert counts[0] == ("broken", "failed")
    assert [name for name, _count in counts] == [r.name for r in rounds.registered()]
    assert dict(counts)["task deadlines"] == "1"
    assert escalations() == 1
    [failure] = [record for record in caplog.records if record.exc_info]
    assert "broken" in failure.getMessage()
    assert failure.exc_info[0] is ImproperlyConfigured


def test_a_misconfigured_registry_still_fires_the_other_rounds(settings, tmp_path, overdue_task) -> None:
    """The registry's CA file missing: the poll round fails on its configuration; the timers,
    flow catch-ups and deadline warnings run all the same."""
    settings.REGISTRY = {**settings.REGISTRY, "CA_FILE": str(tmp_path / "missing-ca.pem")}
    counts = rounds.run_once()
    assert counts["poll messages"] is None
    for name in ("timers fired", "flow steps", "cesja flow steps", "cesje expired"):
        assert counts[name] == 0
    assert counts["task deadlines"] == 1
    assert escalations() == 1
    with pytest.raises(ClientConfigurationError):
        rounds.run_once(strict=True)  # once every round has run, the tests' helpers raise
