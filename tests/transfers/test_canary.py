"""A canary authinfo code goes through the whole incoming flow, and then is looked for
everywhere it must never be: every table, the logs, the frame log, the e-mail, the broker."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

import pytest
from celery.signals import before_task_publish, task_prerun
from django.conf import settings
from django.core import mail
from django.db import connection

from transfers.models import State, Transfer
from transfers.services import confirm_transfer, start_incoming_transfer
from workflows.errors import Refused
from workflows.models import Channel

from .helpers import confirmation_token, process_registry, wait_state


@pytest.fixture
def canary_setup(transfer_world, settings, tmp_path, monkeypatch, request):
    """Frame log on (for a worker too), then the jobs."""
    frame_log = tmp_path / "frames.log"
    settings.REGISTRY = {**settings.REGISTRY, "FRAME_LOG": str(frame_log)}
    monkeypatch.setenv("REGISTRY_FRAME_LOG", str(frame_log))
    monkeypatch.setenv("DJANGO_LOG_LEVEL", "DEBUG")
    jobs = request.getfixturevalue("background_jobs")
    return frame_log, jobs


def every_row_as_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our own table names
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def broker_contents() -> str:
    if not settings.CELERY_BROKER_URL:
        return ""
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for key in client.scan_iter():
        kind = client.type(key).decode()
        if kind == "string":
            found.append(client.get(key))
        elif kind == "list":
            found.extend(client.lrange(key, 0, -1))
        elif kind == "hash":
            found.extend(f"{k}={v}" for k, v in client.hgetall(key).items())
        elif kind == "set":
            found.extend(client.smembers(key))
        elif kind == "zset":
            found.extend(client.zrange(key, 0, -1))
        found.append(key)
    return "\n".join(str(item) for item in found)


def test_the_canary_code_is_nowhere(
    canary_setup, transfer_world, customer_a, registrant_a, sandbox, epp_client, caplog, tmp_path
):
    frame_log, jobs = canary_setup
    caplog.set_level(logging.DEBUG)
    canary = f"Canary-{uuid.uuid4().hex}"
    wrong_canary = f"Wrong-canary-{uuid.uuid4().hex}"
    published: list[str] = []

    def on_publish(body=None, headers=None, **kwargs):
        published.append(json.dumps({"body": body, "headers": headers}, default=str))

    def on_prerun(task=None, args=None, kwargs=None, **extra):
        published.append(json.dumps({"task": task.name, "args": args, "kwargs": kwargs}, default=str))

    before_task_publish.connect(on_publish, weak=False)
    task_prerun.connect(on_prerun, weak=False)
    try:
        now = sandbox.store.now()
        name = f"canary-{uuid.uuid4().hex[:10]}.eu"
        sandbox.store.add_domain(
            name,
            sponsor="nordhost",
            registrant="N-OGRODNIK",
            authinfo=canary,
            created_at=now - timedelta(days=400),
            expires_at=now + timedelta(days=200),
        )
        with pytest.raises(Refused) as refused:
            start_incoming_transfer(
                account=customer_a,
                domain_name=name,
                authinfo=wrong_canary,
                registrant=registrant_a,
                actor=customer_a,
                channel=Channel.WEB,
            )
        assert wrong_canary not in str(refused.value)
        transfer = start_incoming_transfer(
            account=customer_a,
            domain_name=name,
            authinfo=canary,
            registrant=registrant_a,
            actor=customer_a,
            channel=Channel.WEB,
        )
        # kept sealed (not in clear) until the registry has answered
        assert transfer.authinfo_sealed and canary not in every_row_as_text()
        confirm_transfer(token=confirmation_token())
        transfer = wait_state(jobs, transfer, State.PENDING)
        epp_client("nordhost").transfer_approve(name)
        process_registry(jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED)
        assert Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
    finally:
        before_task_publish.disconnect(on_publish)
        task_prerun.disconnect(on_prerun)

    worker_log = tmp_path / "worker.log"
    places = {
        "database": every_row_as_text(),
        "logs": caplog.text,
        "worker log": worker_log.read_text() if worker_log.exists() else "",
        "frame log": frame_log.read_text(),
        "e-mail": "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox),
        "broker messages": "\n".join(published),
        "broker": broker_contents(),
    }
    assert name in places["frame log"] and "[redacted]" in places["frame log"]
    assert name in places["database"] and places["broker messages"]
    for place, text in places.items():
        assert canary not in text, f"the code was found in the {place}"
        assert wrong_canary not in text, f"the wrong code was found in the {place}"
