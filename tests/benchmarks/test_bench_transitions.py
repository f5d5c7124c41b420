"""The transitions benchmark: it runs end to end on PostgreSQL and refuses SQLite; and what
one confirm and one cancel cost in statements today, as a bound that may only go down."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.management.commands.bench_transitions import _checked, _open_transfer
from registry.models import Tld
from transfers.models import State, Transfer
from transfers.services import cancel_transfer, confirm_transfer
from workflows import sealing
from workflows.models import Channel, HistoryEvent, OutboxMessage

ENGINE = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


@pytest.mark.django_db
@pytest.mark.parametrize("engine", [ENGINE])
def test_the_transitions_benchmark_measures_postgresql_and_refuses_anything_else(engine):
    out = io.StringIO()
    if engine != "postgresql":
        with pytest.raises(CommandError, match="measures PostgreSQL.*Set DATABASE_URL"):
            call_command("bench_transitions", processes="1", cycles=3, rounds=1, stdout=out)
        assert out.getvalue() == ""
        return
    call_command("bench_transitions", processes="1", cycles=3, rounds=1, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Machine: ") and "PostgreSQL" in lines[0]
    product = next(line.split() for line in lines if line.split()[:2] == ["1", "product"])
    baseline = next(line.split() for line in lines if line.split()[:2] == ["1", "baseline"])
    assert float(product[2]) > 0 and float(baseline[2]) > 0
    assert baseline[-2:] == ["3.0", "1.00"]  # three rows in one commit per step
    assert float(product[-2]) > 3
    assert any(line.startswith("    1 product/baseline: ") for line in lines)
    # the database it made is gone again (named after this process: others may be measuring)
    with connection.cursor() as cursor:
        own = f"bench_transitions_{os.getpid()}"
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [own])
        assert cursor.fetchone()[0] == 0


# A step sends at most this many statements besides its own BEGIN and COMMIT (which, inside the
# test's transaction, are a savepoint and its release).
STEP_STATEMENTS = 12


def step_statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements of one step, after checking that it is one transaction with no savepoint
    of its own inside."""
    sql = [q["sql"] for q in captured.captured_queries]
    control = [s for s in sql if s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))]
    assert len(control) == 2, control  # the step's transaction, and nothing nested in it
    return [s for s in sql if s not in control]


@pytest.mark.django_db
@pytest.mark.parametrize("decided", ["confirm", "cancel"])
def test_a_step_is_one_transaction_of_at_most_twelve_statements(customer_a, decided):
    Tld.objects.get_or_create(name="com", defaults={"registry_name": "Verisign"})
    transfer = _open_transfer("statements.com", customer_a)
    sealed = OutboxMessage.objects.get(kind="transfers.confirmation", case_id=str(transfer.pk)).sealed
    token = sealing.unseal(sealed)

    with CaptureQueriesContext(connection) as confirm:
        confirm_transfer(token=token)
    with CaptureQueriesContext(connection) as cancel:
        cancel_transfer(transfer=transfer, actor=customer_a, channel=Channel.WEB)

    assert Transfer.objects.get(pk=transfer.pk).state == State.CANCELLED
    assert HistoryEvent.objects.for_object(transfer).count() == 3
    step = {"confirm": confirm, "cancel": cancel}[decided]
    statements = step_statements(step)
    assert len(statements) <= STEP_STATEMENTS, "\n".join(statements)
    # the opening step too, once the TLD, its policy and the losing registrar are read (what the
    # service checks before it asks the registry)
    checked = _checked()
    with CaptureQueriesContext(connection) as opening:
        _open_transfer("statements-two.com", customer_a, checked)
    assert len(step_statements(opening)) <= STEP_STATEMENTS
