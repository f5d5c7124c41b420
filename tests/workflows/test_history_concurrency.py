"""An event locks its own chain's head only: another case's events are written while it
waits for its commit, and the same case's next event waits for it. That is PostgreSQL's: on
SQLite one connection writes at a time, whatever the rows, so there the other case's event
waits too, and nothing is lost either way."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from accounts.models import User
from workflows.history import iter_chain_problems, record_event
from workflows.locks import wait_at_most
from workflows.models import Channel, EventType

pytestmark = pytest.mark.django_db(transaction=True)


def _event(subject: User, summary: str) -> None:
    record_event(event_type=EventType.DOMAIN_SYNCED, summary=summary, channel=Channel.SYSTEM, subject=subject)


def test_a_case_writing_holds_up_only_its_own_chain() -> None:
    mine = User.objects.create_user("jan.kowalski", password="x", role="customer")
    theirs = User.objects.create_user("anna.nowak", password="x", role="customer")
    _event(mine, "before")
    _event(theirs, "before")
    holding, release = threading.Event(), threading.Event()

    def hold_my_chain() -> None:
        try:
            with transaction.atomic():
                _event(mine, "held")
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_my_chain)
    holder.start()
    try:
        assert holding.wait(30)
        if connection.vendor == "postgresql":
            with transaction.atomic():
                wait_at_most(1)
                _event(theirs, "another case, written at once")
            with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
                wait_at_most(0.2)
                _event(mine, "the same case, which must wait")
        else:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 300")  # not the twenty seconds we would wait
            try:
                with pytest.raises(OperationalError, match="locked"), transaction.atomic():
                    _event(theirs, "another case, which waits for the one writer")
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 20000")
    finally:
        release.set()
        holder.join(30)
    _event(mine, "after the commit")
    _event(theirs, "after the commit")
    assert list(iter_chain_problems()) == []
