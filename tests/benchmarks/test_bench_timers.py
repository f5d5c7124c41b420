"""The deadlines benchmark: on PostgreSQL it seeds, fires with one and two processors and
finds every timer fired exactly once; it refuses SQLite."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

ENGINE = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


@pytest.mark.django_db
@pytest.mark.parametrize("engine", [ENGINE])
def test_the_deadlines_benchmark_measures_postgresql_and_refuses_anything_else(engine):
    out = io.StringIO()
    if engine != "postgresql":
        with pytest.raises(CommandError, match="measures PostgreSQL.*Set DATABASE_URL"):
            call_command("bench_timers", count=5, stdout=out)
        assert out.getvalue() == ""
        return
    call_command("bench_timers", count=40, processors="1,2", batch=7, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Machine: ") and "PostgreSQL" in lines[0]
    rows = {line.split()[0]: line.split() for line in lines[3:]}
    for processors in ("1", "2"):
        row = rows[processors]
        assert float(row[1]) > 0 and float(row[2]) > 0
        assert sum(int(n) for n in row[3].split("+")) == 40
        assert row[4:] == ["40", "40", "40", "0", "ok", "yes"]
    assert len(rows["2"][3].split("+")) == 2
    # the databases it made (named after this process) are gone again
    with connection.cursor() as cursor:
        own = f"bench_timers_{os.getpid()}_%"
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", [own])
        assert cursor.fetchone()[0] == 0
