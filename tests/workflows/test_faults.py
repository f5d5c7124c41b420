"""A committed step is never half done: with the flow's row held by another connection, the
broker down, the mail server down or a worker killed, the person gets an answer (never a 500),
and everything the step asked for arrives once the fault is over, exactly once at the registry.

Each fault is made with the real part: a Redis and a mail server of the test's own, stopped
and started again; a row held by another connection; a worker process killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

from django.urls import reverse

from domains.services import issue_authinfo
from transfers.models import State, Transfer
from transfers.services import confirm_transfer, start_incoming_transfer
from workflows import outbox
from workflows.flowsync import OPEN_TASK, process_of
from workflows.models import Channel, OutboxMessage
from workflows.roles import Team
from workflows.tasks import relay_outbox

from ..fixtures.faults import RowHolder
from ..fixtures.transfers import outbox_waits
from ..fixtures.worker import spawn_worker, stop_worker
from ..transfers.helpers import confirmation_token, process_registry


def _start(customer, registrant, domain) -> Transfer:
    return start_incoming_transfer(
        account=customer,
        domain_name=domain.name,
        authinfo=domain.authinfo,
        registrant=registrant,
        actor=customer,
        channel=Channel.WEB,
    )


def _outgoing_pending(transfer_world, customer, registrant, epp_client) -> Transfer:
    domain = transfer_world.outgoing_domain(registrant)
    code = issue_authinfo(domain=domain, actor=customer, channel=Channel.WEB)
    epp_client("webpartner").transfer_request(domain.name, code)
    process_registry()
    return Transfer.objects.get(domain_name=domain.name)


def _handled(transfer_world, command: str) -> int:
    return transfer_world.sandbox.commands_handled[(transfer_world.client_id, command)]


def _relay_until(done, timeout: float = 60.0) -> None:
    """The relay round, as beat or ``process_registry`` runs it, until ``done()``."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("what the steps asked for did not arrive")
        outbox_waits(timedelta(hours=1))
        relay_outbox()
        time.sleep(0.2)


def test_a_decision_while_the_flow_row_is_held(
    transfer_world, transfer_jobs, customer_a, registrant_a, staff_user, epp_client, client_for
):
    transfer = _outgoing_pending(transfer_world, customer_a, registrant_a, epp_client)
    rejects = _handled(transfer_world, "domain:transfer:reject")
    staff = client_for(staff_user(Team.DOMAINS))
    holder = RowHolder(type(process_of(transfer)), process_of(transfer).pk)
    holder.start()
    holder.locked.wait(10)
    assert holder.error is None
    started = time.monotonic()
    timer = holder.release_after(1.5)
    response = staff.post(
        reverse("transfers:reject", args=[transfer.pk]),
        {"reason_code": "fraud", "explanation": "The registrant reports the domain was taken from them."},
    )
    timer.join()
    # The step waited for the row instead of failing, and answered with the request's page.
    assert response.status_code == 302, response.status_code
    assert time.monotonic() - started >= 1.0
    _relay_until(lambda: Transfer.objects.get(pk=transfer.pk).state == State.REJECTED)
    assert _handled(transfer_world, "domain:transfer:reject") == rejects + 1
    # The flow followed in the same step: the staff check is no longer open in the queue.
    open_checks = process_of(transfer).task_set.filter(
        flow_task__endswith="staff_check", status__in=OPEN_TASK
    )
    assert not open_checks.exists()


def test_the_broker_down_during_confirm_cancel_and_approve(
    transfer_world,
    broker_is,
    customer_a,
    registrant_a,
    sandbox_domain,
    epp_client,
    client_for,
):
    to_confirm = _start(customer_a, registrant_a, sandbox_domain(sponsor="nordhost"))
    confirm_link = confirmation_token()
    to_cancel = _start(customer_a, registrant_a, sandbox_domain(sponsor="nordhost"))
    confirm_transfer(token=confirmation_token())
    _relay_until(lambda: Transfer.objects.get(pk=to_cancel.pk).state == State.PENDING)
    to_approve = _outgoing_pending(transfer_world, customer_a, registrant_a, epp_client)
    before = {
        command: _handled(transfer_world, f"domain:transfer:{command}")
        for command in ("request", "cancel", "approve")
    }

    broker_is.stop()
    customer = client_for(customer_a)
    answers = [
        customer.post(reverse("transfers:confirm", args=[confirm_link])),
        customer.post(reverse("transfers:cancel", args=[to_cancel.pk]), {"reason": "changed my mind"}),
        customer.post(reverse("transfers:approve", args=[to_approve.pk])),
    ]
    assert all(answer.status_code < 500 for answer in answers), [a.status_code for a in answers]
    assert Transfer.objects.get(pk=to_confirm.pk).state == State.SUBMITTING
    assert Transfer.objects.get(pk=to_cancel.pk).state == State.CANCELLING
    assert Transfer.objects.get(pk=to_approve.pk).state == State.APPROVING
    # The link is used, and the request waits in the outbox, not lost.
    again = customer.post(reverse("transfers:confirm", args=[confirm_link]))
    assert again.status_code < 500
    assert outbox.pending_for(to_confirm).filter(kind="transfers.registry").count() == 1

    broker_is.start()
    _relay_until(
        lambda: (
            Transfer.objects.get(pk=to_confirm.pk).state == State.PENDING
            and Transfer.objects.get(pk=to_cancel.pk).state == State.CANCELLED
            and Transfer.objects.get(pk=to_approve.pk).state == State.COMPLETED
        )
    )
    for command in ("request", "cancel", "approve"):
        assert _handled(transfer_world, f"domain:transfer:{command}") == before[command] + 1, command


def test_the_mail_server_down_when_a_transfer_starts(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, mail_server, client_for
):
    domain = sandbox_domain(sponsor="nordhost")
    customer = client_for(customer_a)
    response = customer.post(
        reverse("transfers:start"),
        {"domain_name": domain.name, "authinfo": domain.authinfo, "registrant": registrant_a.pk},
    )
    assert response.status_code == 302, response.content[:500]
    transfer = Transfer.objects.get(domain_name=domain.name)
    assert transfer.state == State.AWAITING_CONFIRMATION
    waiting = outbox.pending_for(transfer).get(kind="transfers.confirmation")
    assert waiting.attempts == 1 and waiting.last_error

    mail_server.start()
    _relay_until(lambda: not outbox.pending_for(transfer).exists())
    links = [m for m in mail_server.messages if "/transfers/confirm/" in m.get_payload(decode=True).decode()]
    assert len(links) == 1
    body = links[0].get_payload(decode=True).decode()
    token = body.split("/transfers/confirm/", 1)[1].split("/", 1)[0]
    assert confirm_transfer(token=token).state in (State.SUBMITTING, State.PENDING)
    # The token travelled sealed and is gone from the message once sent.
    assert OutboxMessage.objects.get(pk=waiting.pk).sealed == ""


def test_a_worker_killed_during_a_batch_of_registry_commands(
    transfer_world, broker_is, customer_a, registrant_a, sandbox_domain, settings, tmp_path
):
    settings.OUTBOX_LEASE_SECONDS = 3
    transfers = []
    for _ in range(24):
        transfers.append(_start(customer_a, registrant_a, sandbox_domain(sponsor="nordhost")))
        confirm_transfer(token=confirmation_token())
    ids = [transfer.pk for transfer in transfers]
    # The requests wait in the broker; a worker takes them, and dies with some in its hands.
    worker = spawn_worker(
        tmp_path / "worker.log", broker_url=broker_is.url, pool="prefork", env={"OUTBOX_LEASE_SECONDS": "3"}
    )
    try:
        deadline = time.monotonic() + 60
        while Transfer.objects.filter(pk__in=ids, state=State.PENDING).count() < 3:
            assert time.monotonic() < deadline, "the worker did not start on the batch"
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            stop_worker(worker)
    stranded = Transfer.objects.filter(pk__in=ids, state=State.SUBMITTING).count()
    assert stranded > 0, "the worker finished the batch before it was killed; nothing was tested"

    time.sleep(3.5)  # the killed worker's leases run out
    _relay_until(
        lambda: Transfer.objects.filter(pk__in=ids, state=State.PENDING).count() == len(ids),
        timeout=120,
    )
    for transfer in transfers:
        assert len(transfer_world.sandbox.store.transfers(transfer.domain_name)) == 1
