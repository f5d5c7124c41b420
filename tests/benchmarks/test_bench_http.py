"""The HTTP benchmark runs end to end on PostgreSQL (gunicorn, the registry sandbox, people
logged in with sessions of their own) and refuses anything else; its client reads what the
server says."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from benchmarks.load.client import _message_levels, _parse

ENGINE = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
ROW = re.compile(r"^(?P<kind>[A-Za-z ()]+?)\s+(?P<people>\d+)\s+(?P<requests>\d+)\s+(?P<rate>[\d.]+)\s+")


@pytest.mark.django_db
@pytest.mark.parametrize("engine", [ENGINE])
def test_the_http_benchmark_drives_gunicorn_on_postgresql_and_refuses_anything_else(engine):
    out = io.StringIO()
    options = {
        "users": 3,
        "seconds": 1,
        "rounds": 1,
        "paced_seconds": 1,
        "think": 0.2,
        "volume": 10,
        "workers": 2,
        "port": 8768,
        "registry_port": 7808,
        "stdout": out,
    }
    if engine != "postgresql":
        with pytest.raises(CommandError, match="measures gunicorn on PostgreSQL.*Set DATABASE_URL"):
            call_command("bench_http", **options)
        assert out.getvalue() == ""
        return
    call_command("bench_http", **options)
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0].startswith("Machine: ") and "PostgreSQL" in lines[0]
    assert "3 people: 2 customers, 1 staff" in text
    without_pause, steady = text.split("At a steady pace")
    rows = {m["kind"]: m for m in map(ROW.match, without_pause.splitlines()) if m}
    for kind in ("login page", "customer home", "staff queue", "lock toggle (POST)"):
        assert int(rows[kind]["requests"]) > 0 and float(rows[kind]["rate"]) > 0, kind
    assert rows["lock toggle (POST)"]["people"] == "2"
    assert "pages (all four)" in steady
    assert re.search(r"^POST / login page throughput: \d+\.\d\d ", text, re.M)
    # the CPU the server's processes spent per request, read from /proc
    served = re.findall(r"^  (login page|pages|POST) .* served: +(\d+\.\d\d)$", text, re.M)
    assert [phase for phase, _ms in served] == ["login page", "pages", "POST"]
    assert all(float(ms) > 0 for _phase, ms in served)
    # every lock change the server confirmed is in the database, at the registry and in the history
    assert "Errors: none" in text
    assert re.search(r"^Lock changes confirmed: [1-9]\d* on 2 domains", text, re.M)
    assert re.search(r"^Target: (met|missed) \(", text, re.M)
    # the database it made is gone again
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'bench_http_%%'")
        assert cursor.fetchone()[0] == 0


def test_the_client_reads_the_message_levels_the_server_left_in_its_cookie():
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "Transfers of przyklad.pl are locked.")
    storage.add(constants.ERROR, "Ą" * 400)  # long enough to be compressed
    response = HttpResponse()
    storage.update(response)
    assert _message_levels(response.cookies["messages"].value) == [constants.SUCCESS, constants.ERROR]
    assert _message_levels("not-a-cookie:sig") == [0]


def test_the_client_reads_a_chunked_answer():
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=b\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    answer = _parse(raw, 1.0)
    assert (answer.status, answer.body, answer.header("set-cookie")) == (200, b"hello world", "a=b")
